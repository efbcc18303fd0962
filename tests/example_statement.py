"""What the example statement (campaign/demo/crimea-statement-2020.txt) holds, as a
person reading it would list it: the expected values for every test that uses it."""

from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "campaign" / "demo" / "crimea-statement-2020.txt"

TITLE = (
    "Statement of human rights organizations on the conviction of the members of the Second "
    "Bakhchysarai group of the “case against Crimean Muslims”"
)
ADDRESSEES = [
    ["Government of Russian Federation"],
    ["International organizations", "Governments of democratic countries"],
    [
        "President of Ukraine",
        "Parliament of Ukraine",
        "Ministry for Reintegration of Temporarily Occupied Territories of Ukraine",
        "Prosecutor’s Office of the Autonomous Republic of Crimea and Sevastopol City",
    ],
]
FOUNDING_ORGANIZATIONS = [
    "Human Rights Center ZMINA",
    "Ukrainian Helsinki Human Rights Union",
    "Crimean Human Rights Group",
    "Center for Civil Liberties",
    "Kharkiv Human Rights Protection Group",
    "Center for civil education “Almenda”",
    "Human rights house Crimea",
    "Regional center for human rights",
    "Union of Relatives of Kremlin’s Political Prisoners",
    "Educational Human Rights House in Chernihiv",
    "Association of Ukrainian Human Rights Monitors on Law Enforcement",
    "No Borders Project",
]

"""What the importer looks for in each language: one table of cues per language.

The parsing code (importer.py) knows shapes, not words: every word it looks for comes
from here. Adding a language is adding a ``Language`` to ``LANGUAGES``. Patterns are
regular-expression fragments, matched case-insensitively; keep them free of nested
repetition so that a long paste is read in linear time. Month names come from Babel's
locale data (nominative and genitive), not from these tables.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    # Frequent short words, to tell the languages apart (separated by spaces).
    common_words: str
    # (verb, link): "We urge X to Y" is ("urges?", "to"); the verb may carry its
    # preposition ("apelujemy do") and the link may be empty (colon intros only).
    intro_verbs: tuple[tuple[str, str], ...]
    # Verbs followed directly by what is demanded, with nobody named ("we demand the
    # release of ..."; "exigimos la publicación ...").
    direct_verbs: tuple[str, ...] = ()
    # Whoever the text is from: only then is a sentence with an intro verb a demand
    # (an empty subject always counts). None: the verbs' own endings say "we".
    subjects: str | None = None
    # Words that say a demand continues the previous group ("we also ask").
    also: str = ""
    # Words standing for the addressees already named (a letter's "you").
    pronouns: str = ""
    # An object that names nobody: "the following".
    fillers: str = ""
    # Prepositions and articles before an addressee, stripped ("aux", "al", "à la").
    addressee_articles: str = ""
    # "and" between two addressees; "of"-like words that bind a name together.
    and_words: str = "and|&"
    of_words: str = "of|for|in"
    # Headings that announce demands without a verb ("Our demands:").
    demand_headings: str = ""
    # A letter's addressee block: a heading alone on its line ("To:") and the word
    # that opens each addressee line ("A los medios ...").
    to_headings: str = ""
    to_prefixes: str = ""
    copy_headings: str = ""
    # What a letter is about, after its addressee: "to X, for a ceasefire".
    purpose_words: str = ""
    # Lines that end a letter's head without being addressees ("Sent via email").
    letter_notes: str = ""
    salutations: str = ""
    closings: str = ""
    signatory_headings: str = ""
    # Words that open a person's office on the line after their name ("Director").
    roles: str = ""
    # Words found in organizations' names, never in a person's.
    organization_words: str = ""
    # What follows a link word when it calls for a thing rather than on someone to act
    # ("appelons à la reconnaissance" is no demand to anyone).
    noun_starts: str = ""
    # Page furniture: whole lines (compared case-folded, without a final colon), and
    # patterns for whole lines.
    furniture: frozenset[str] = frozenset()
    furniture_patterns: tuple[str, ...] = ()
    # The word of a search box, which pages copy at the end of a header line.
    search_words: str = ""
    # Words after a year ("2020 р.", "2019 года").
    year_words: str = ""
    # Babel locale whose month names this language uses.
    locale: str = "en"


ENGLISH = Language(
    code="en",
    purpose_words=r"for|on|about|regarding|concerning",
    common_words="the and of to in that for is are on with we our this",
    intro_verbs=(
        (r"call(?:s)?\s+(?:up)?on", "to"), (r"urges?", "to"), (r"asks?", "to"),
        (r"requests?", "to"), (r"appeals?\s+to", "to"),
        (r"demands?\s+(?:from|form)", "to"),  # "demand form" is a frequent typo
        (r"address(?:es)?", r"with\s+an?\s+(?:demand|call|request|appeal)s?\s+to"),
    ),
    direct_verbs=(r"we\s+(?:also\s+)?demand",),
    subjects=r"\b(?:we|undersigned|organi[sz]ations|signatories|coalition)\b",
    also=r"also|further|furthermore|moreover",
    pronouns=r"you|all\s+of\s+you|your\s+(?:respective\s+)?(?:governments?|excellenc(?:y|ies)|offices?)"
             r"|them|it|him|her",
    fillers=r"the\s+following",
    addressee_articles=r"the|also",
    demand_headings=r"(?:(?:our|the)\s+)?demands?(?:\s+are)?|we\s+(?:\w+\s+)?demand"
                    r"(?:\s+the\s+following)?",
    to_headings=r"to|recipients?|addressees?",
    to_prefixes=r"to",
    copy_headings=r"cc|copy\s+to|copies\s+to",
    letter_notes=r"sent\s+(?:via|by)\s+(?:e-?mail|fax|post)|via\s+e-?mail|by\s+e-?mail",
    salutations=r"dear|your\s+excellenc(?:y|ies)|excellenc(?:y|ies)|to\s+whom\s+it\s+may",
    closings=r"sincerely|yours\s+(?:sincerely|faithfully|truly)|respectfully(?:\s+yours)?"
             r"|(?:kind|best|warm)\s+regards|regards|with\s+respect",
    signatory_headings=r"signed|signed\s+by|co-?signed\s+by|signatories(?:\s+include)?"
                       r"|signatory\s+organi[sz]ations|list\s+of\s+signatories|endorsed\s+by"
                       r"|the\s+undersigned",
    roles=r"president|director|executive\s+director|chair(?:person|man|woman)?|coordinator"
          r"|head\s+of|founder|secretary|spokes(?:person|man|woman)|professor",
    organization_words=r"foundation|centre|center|union|group|committee|association|institute"
                       r"|network|council|coalition|society|project|house|movement|league"
                       r"|federation|alliance|fund|initiative|organi[sz]ation|campaign|watch"
                       r"|international|forum|club|trust|party|office|agency|press|media",
    furniture=frozenset({
        "generic selectors", "exact matches only", "search in title", "search in content",
        "post type selectors", "search", "search for", "scroll to top", "scroll top",
        "back to top", "skip to content", "skip to main content", "menu", "main menu",
        "toggle navigation", "share", "share this", "tweet", "print", "copy link",
        "facebook", "twitter", "telegram", "whatsapp", "linkedin", "email", "read more",
        "previous post", "next post", "related posts", "leave a comment", "accept",
        "accept all", "reject all", "got it", "feed", "rss", "log in", "login", "sign in",
        "sign up", "subscribe", "donate", "no comments", "post a comment", "back", "home",
    }),
    furniture_patterns=(
        r"share\s+(?:on|via)\s+(?:facebook|twitter|x|linkedin|telegram|whatsapp)",
        r"\(?last\s+updated\s+on:?[^)]*\)?", r"(?:view|see)\s+the\s+embedded\s+.{1,40}",
        r"follow\s+us\s+on\s+\w+", r"\d+\s+comments?", r"sign\s+(?:the\s+\w+\s+)?below",
    ),
    search_words=r"search",
)

UKRAINIAN = Language(
    code="uk",
    purpose_words=r"щодо|про|з\s+приводу",
    common_words="та і й що до від на у в з із це як ми для щодо їх є",
    intro_verbs=(
        (r"закликаємо|закликають|закликає", ""),
        (r"вимагаємо\s+від|вимагають\s+від|вимагає\s+від", ""),
        (r"звертаємо?ся\s+до|звертаються\s+до|звертається\s+до",
         r"(?:з|із)\s+(?:вимогою|закликом|проханням)"),
        (r"просимо", ""),
    ),
    direct_verbs=(r"вимагаємо", r"наполягаємо\s+на"),
    also=r"також|крім\s+того",
    pronouns=r"вас|вас\s+усіх",
    fillers=r"наступне|таке",
    and_words=r"та|і|й",
    of_words=r"з|у|в|щодо",
    demand_headings=r"(?:наші\s+)?вимоги|ми\s+вимагаємо",
    to_headings=r"кому|адресати",
    to_prefixes=r"до",
    copy_headings=r"копія",
    salutations=r"шановн\w*|вельмишановн\w*|ваша\s+ексцеленціє|ваші\s+ексцеленції",
    closings=r"з\s+повагою|з\s+глибокою\s+повагою",
    signatory_headings=r"підписали|підписанти|підписи|заяву\s+підписали|звернення\s+підписали"
                       r"|до\s+заяви\s+долучилися|приєдналися",
    roles=r"голова|директор(?:ка)?|координатор(?:ка)?|президент(?:ка)?|засновни(?:к|ця)",
    organization_words=r"центр|спілка|група|організація|фонд|асоціація|об['’]єднання|рух"
                       r"|ініціатива|коаліція|мережа|громадська|го|бф|інститут|платформа",
    furniture=frozenset({
        "пошук", "меню", "головна", "новини", "контакти", "поділитися", "поділитись",
        "друк", "надрукувати", "повернутись назад", "повернутися назад", "назад", "вгору",
        "читати далі", "шукати в цьому блозі", "результати пошуку", "коментарі",
        "залишити коментар", "увійти",
    }),
    furniture_patterns=(r"(?:головна|новини|контакти)(?:\s+(?:головна|новини|контакти|про\s+нас))+",),
    search_words=r"пошук",
    year_words=r"р\.|року|рік",
    locale="uk",
)

RUSSIAN = Language(
    code="ru",
    purpose_words=r"о|об|по\s+поводу|касательно",
    common_words="и в на не что с по к от мы для это как о из их",
    intro_verbs=(
        (r"призываем|призывают|призывает", ""),
        (r"требуем\s+от|требуют\s+от|требует\s+от", ""),
        (r"обращаемся\s+к|обращаются\s+к", r"с\s+(?:требованием|призывом|просьбой)"),
        (r"просим", ""),
    ),
    direct_verbs=(r"требуем", r"настаиваем\s+на"),
    also=r"также|кроме\s+того",
    pronouns=r"вас|вас\s+всех",
    fillers=r"следующее",
    and_words=r"и",
    of_words=r"в|по|при",
    demand_headings=r"(?:наши\s+)?требования|мы\s+требуем",
    to_headings=r"кому|адресаты",
    copy_headings=r"копия",
    salutations=r"уважаем\w*|глубокоуважаем\w*|дорог\w+",
    closings=r"с\s+уважением|с\s+глубоким\s+уважением",
    signatory_headings=r"подписали|подписанты|подписи|заявление\s+подписали|к\s+заявлению"
                       r"\s+присоединились",
    roles=r"председатель|директор|координатор|президент|основатель(?:ница)?",
    organization_words=r"центр|союз|группа|организация|фонд|ассоциация|объединение|движение"
                       r"|инициатива|коалиция|сеть|общество|комитет|институт|мемориал",
    furniture=frozenset({
        "поиск", "меню", "главная", "новости", "контакты", "поделиться", "печать",
        "назад", "наверх", "читать далее", "результаты поиска", "комментарии", "войти",
    }),
    search_words=r"поиск",
    year_words=r"г\.|года|год",
    locale="ru",
)

FRENCH = Language(
    code="fr",
    purpose_words=r"pour|sur|concernant|au\s+sujet",
    common_words="le la les des de du et est un une pour que dans nous sur au aux",
    intro_verbs=(
        (r"appelons|appellent|appelle", r"à|a"),
        (r"demandons|demandent|demande", r"de|d['’]"),
        (r"exigeons|exigent|exige", r"de|d['’]|que"),
        (r"exhortons|exhortent|exhorte", r"à|a"),
        (r"(?:lançons|lancons|lancent|lance)\s+un\s+appel", r",?\s*afin\s+(?:de|d['’])|pour"),
    ),
    direct_verbs=(r"(?:nous\s+)?exigeons", r"(?:nous\s+)?réclamons"),
    also=r"également|aussi|en\s+outre|enfin",
    pronouns=r"vous|les|leur",
    fillers=r"ce\s+qui\s+suit",
    addressee_articles=r"à\s+la|à\s+l['’´]|à|aux|au|de\s+la|des|du|de|l['’´]|la|le|les"
                       r"|ainsi\s+qu['’]aux|ainsi\s+qu['’]à",
    and_words=r"et|ainsi\s+qu(?:e|['’])",
    noun_starts=r"(?:le|la|les|l['’]|un|une|des|du|votre|vos|notre|nos|son|sa|ses|leur|leurs)",
    of_words=r"de|du|des|d['’]",
    demand_headings=r"(?:nos\s+)?revendications|(?:nous\s+)?exigeons",
    to_headings=r"à|destinataires?",
    to_prefixes=r"à|aux",
    copy_headings=r"copie\s+à|cc",
    salutations=r"monsieur|madame|mesdames|messieurs|excellence|chers?|chères?",
    closings=r"cordialement|respectueusement|veuillez\s+agréer.*|bien\s+à\s+vous",
    signatory_headings=r"signataires|liste\s+des\s+signataires|ont\s+signé|signé(?:\s+par)?"
                       r"|premiers\s+signataires|organisations\s+signataires",
    roles=r"responsable|président(?:e)?|directeur|directrice|coordinat(?:eur|rice)"
          r"|secrétaire|porte-parole|fondat(?:eur|rice)",
    organization_words=r"ligue|association|fédération|syndicat|collectif|comité|fondation"
                       r"|réseau|centre|union|mouvement|observatoire|institut|front",
    furniture=frozenset({
        "rechercher", "recherche", "accueil", "retour", "partager", "imprimer",
        "aucun commentaire", "enregistrer un commentaire", "publier un commentaire",
        "lire la suite", "se connecter", "connexion", "retour en haut",
    }),
    furniture_patterns=(r"retour\s+à\s+l['’]?accueil", r"\d+\s+commentaires?",
                        r"partager\s+sur\s+\w+"),
    search_words=r"rechercher|recherche",
    locale="fr",
)

SPANISH = Language(
    code="es",
    purpose_words=r"para|por|sobre|respecto",
    common_words="el la los las de del y que en por para con una un se su",
    intro_verbs=(
        (r"exigimos|exigen|exige|exigir", r"que"),
        (r"instamos|instan", r"a"),
        (r"pedimos|piden", r"que"),
        (r"convocamos|convocan", r"a"),
        (r"hacemos\s+un\s+llamado", r"a"),
        (r"llamamos|llaman", r"a"),
        (r"exhortamos|exhortan", r"a"),
        (r"solicitamos", r"que"),
        (r"exigimos|exige|exigen", r""),
    ),
    direct_verbs=(r"exigimos", r"demandamos", r"reclamamos"),
    also=r"también|asimismo|además|de\s+igual\s+manera",
    pronouns=r"les|los|las|ustedes|usted|le",
    fillers=r"lo\s+siguiente",
    addressee_articles=r"al|a\s+la|a\s+las|a\s+los|a|la|las|los|el",
    and_words=r"y|e",
    noun_starts=r"(?:el|la|los|las|un|una|su|sus|nuestro|nuestra|nuestros|nuestras)",
    of_words=r"de|del",
    demand_headings=r"(?:nuestras\s+)?(?:exigencias|demandas)",
    to_headings=r"para|destinatarios?",
    to_prefixes=r"al|a\s+la|a\s+las|a\s+los|a",
    copy_headings=r"con\s+copia\s+a|cc",
    salutations=r"estimad[oa]s?|señor(?:a|es|as)?|excelentísim[oa]s?|querid[oa]s?",
    closings=r"atentamente|cordialmente|saludos(?:\s+cordiales)?|respetuosamente",
    signatory_headings=r"firmantes|firman|firmado(?:\s+por)?|organizaciones\s+firmantes"
                       r"|adhesiones|suscriben",
    roles=r"presidente|presidenta|director(?:a)?|coordinador(?:a)?|secretari[oa]|vocero|vocera",
    organization_words=r"centro|red|colectivo|asociación|fundación|comité|movimiento|frente"
                       r"|coordinadora|federación|organización|observatorio|instituto|unión",
    furniture=frozenset({
        "buscar", "búsqueda", "inicio", "menú", "compartir", "imprimir", "leer más",
        "feed", "comentarios", "iniciar sesión",
    }),
    furniture_patterns=(r"síguenos\s+en\s+\w+", r"compartir\s+en\s+\w+", r"\d+\s+comentarios?"),
    search_words=r"buscar",
    locale="es",
)

GERMAN = Language(
    code="de",
    purpose_words=r"für|zu|über|wegen|zum|zur",
    common_words="der die das und ist nicht zu den von mit sich des auf für wir",
    intro_verbs=(
        (r"fordern|fordert", r"auf,?"),
        (r"appellieren\s+an|appelliert\s+an", r",?\s*(?:dass|sich)"),
        (r"rufen|ruft", r"auf,?"),
        (r"fordern\s+wir|fordern|fordert", ""),
    ),
    direct_verbs=(r"(?:wir\s+)?fordern(?:\s+wir)?",),
    also=r"außerdem|zudem|auch|ferner",
    pronouns=r"sie|euch",
    fillers=r"folgendes",
    addressee_articles=r"die|den|der|das",
    and_words=r"und",
    of_words=r"für|von|des|der",
    demand_headings=r"(?:unsere\s+)?forderungen|(?:deshalb\s+|daher\s+)?fordern\s+wir",
    to_headings=r"an|empfänger(?:\*?innen)?|adressat(?:\*?innen)?|appell-empfänger(?:\*?innen)?",
    to_prefixes=r"an",
    copy_headings=r"kopie\s+an|cc",
    salutations=r"sehr\s+geehrte\w*|liebe\w*",
    closings=r"mit\s+freundlichen\s+grüßen|hochachtungsvoll|viele\s+grüße|mit\s+besten\s+grüßen",
    signatory_headings=r"unterzeichnende|unterzeichner(?:\*?innen)?|erstunterzeichnende"
                       r"|erstunterzeichner(?:\*?innen)?|unterzeichnet\s+von",
    roles=r"vorsitzende[r]?|präsident(?:in)?|direktor(?:in)?|geschäftsführer(?:in)?|sprecher(?:in)?",
    organization_words=r"verein|verband|stiftung|bündnis|initiative|netzwerk|zentrum|gesellschaft"
                       r"|komitee|bewegung|institut|e\.v\.",
    furniture=frozenset({
        "suche", "suchen", "startseite", "menü", "teilen", "drucken", "weiterlesen",
        "mitglied werden", "login mitglied werden", "login", "anmelden", "kommentare",
        "nach oben",
    }),
    furniture_patterns=(r"teilen\s+auf\s+\w+",),
    search_words=r"suche|suchen",
    locale="de",
)

POLISH = Language(
    code="pl",
    purpose_words=r"w\s+sprawie|dla|o",
    common_words="i w na z się że nie do o jest to oraz dla przez od",
    intro_verbs=(
        (r"wzywamy|wzywają|wzywa", r"do"),
        (r"apelujemy\s+do|apelują\s+do|apeluje\s+do", r"o"),
        (r"apelujemy|apelują", r"o"),
        (r"domagamy\s+się\s+od", r"aby|by"),
        (r"zwracamy\s+się\s+do", r"o|z\s+prośbą\s+o"),
    ),
    direct_verbs=(r"wnosimy(?:\s+(?:również|także|też))?\s+o", r"domagamy\s+się",
                  r"apelujemy\s+o"),
    also=r"również|także|też|ponadto",
    pronouns=r"pana|panią|państwa|was",
    fillers=r"następujące|co\s+następuje",
    and_words=r"i|oraz",
    of_words=r"w|ds\.|do\s+spraw",
    demand_headings=r"(?:nasze\s+)?postulaty|(?:nasze\s+)?żądania",
    to_headings=r"do|adresaci",
    copy_headings=r"do\s+wiadomości|dw",
    salutations=r"szanown\w+|panie|pani|drodzy|drogie",
    closings=r"z\s+poważaniem|z\s+wyrazami\s+szacunku",
    signatory_headings=r"sygnatariusze|podpisali|podpisy|inicjatorzy(?:\s+apelu)?"
                       r"|organizacje\s+podpisane|lista\s+sygnatariuszy",
    roles=r"prezes(?:ka)?|przewodnicząc\w+|dyrektor(?:ka)?|koordynator(?:ka)?|rzeczni\w+",
    organization_words=r"fundacja|fundacji|stowarzyszenie|stowarzyszenia|związek|komitet|forum"
                       r"|federacja|inicjatywa|sieć|instytut|kongres|obywatele|ruch",
    furniture=frozenset({
        "szukaj", "wyszukaj", "menu", "udostępnij", "drukuj", "czytaj więcej",
        "czcionka", "kontrast", "zaloguj", "strona główna", "komentarze",
    }),
    furniture_patterns=(r"podpisz\s+(?:apel\s+|petycję\s+)?poniżej",
                        r"przeczytaj\s+\w+\s+i\s+podpisz(?:\s+poniżej)?"),
    search_words=r"szukaj|wyszukaj",
    year_words=r"r\.|roku",
    locale="pl",
)

LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (ENGLISH, UKRAINIAN, RUSSIAN, FRENCH, SPANISH, GERMAN, POLISH)
}

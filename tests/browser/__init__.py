"""The browser tier (a package, so that its server and worker end with it)."""

"""Voice of Korea (EN) articles from KCNA Watch as a JSON Lines corpus."""

"""«OK eller ikke OK?» live: the brochure's group exercise on a shared screen and phones."""

from trygg import create_app

app = create_app()

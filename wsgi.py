from partnership import create_app

app = create_app()

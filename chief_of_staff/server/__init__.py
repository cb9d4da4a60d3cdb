"""`cos serve`: the HTTP server (app.py), Ollama's API (ollama_api.py) and who may call it (security.py)."""

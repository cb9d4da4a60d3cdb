"""Local model runtimes, each a langchain-core chat model: transformers in-process, or an Ollama server."""

package cortado.serve.rag;

/** What a chunk's size and overlap count: characters (UTF-16 code units) or tokens of the embedding model. */
public enum ChunkUnit { CHARS, TOKENS }

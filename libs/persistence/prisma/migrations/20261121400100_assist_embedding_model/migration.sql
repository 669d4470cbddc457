-- Agent Assist dense retrieval: the embedding model whose vectors a knowledge base's chunks hold
-- (recorded at creation / first upload; queries and uploads with another model are refused so
-- vectors of different models are never compared).
ALTER TABLE "knowledge_bases" ADD COLUMN "embedding_model" TEXT;

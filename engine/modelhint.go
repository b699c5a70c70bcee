package engine

// ModelForDim returns the CLIP model whose embeddings LAION publishes at
// dimension dim (512 → clip-vit-b32, 768 → clip-vit-l14, 1024 →
// clip-vit-h14), or "" for any other dimension. Ingest names vector
// columns with it when no model is given; statements that need a model
// name suggest it, so that a hint never names a model of another
// dimension.
func ModelForDim(dim int) string { return knownModels[dim] }

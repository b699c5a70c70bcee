// Package clip is OpenAI CLIP's text encoder in Go: the tokenizer, a
// safetensors reader for the text tower's weights and the transformer.
package clip

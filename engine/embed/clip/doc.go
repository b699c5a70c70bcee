// Package clip is OpenAI CLIP's text encoder, in Go and exact: the
// Tokenizer gives the ids of clip.tokenize, and an Encoder, loaded from a
// safetensors file of CLIP's text tower (OpenAI / open_clip or Hugging
// Face names; F32, F16 or BF16; any width, depth or embedding size),
// computes encode_text with float32 arithmetic to within 1e-4 of
// PyTorch's. Encoder.Embed returns unit vectors and makes an Encoder an
// embed.Provider; Encoder.Encode returns encode_text's output as it is.
//
// The work is batched: texts are sorted by length and their tokens
// stacked without padding, each text is computed only up to its first
// end-of-text token (attention is causal, so this is exact), the last
// block only at that token, and the linear layers run on index/vec's
// blocked multi-threaded matrix multiply.
//
// Caveats: text is cleaned as OpenAI's tokenizer cleans it, including
// ftfy's character-level fixes (curly quotes, ligatures, full-width forms,
// HTML entities, control characters, NFC), but not ftfy's mojibake repair,
// so text such as "cafÃ©" can tokenize differently from CLIP. The number
// of attention heads is not in the tensors' shapes: it is width/64, as in
// every OpenAI CLIP, unless the file's metadata or Options say otherwise;
// likewise the activation is QuickGELU unless told (LAION's own open_clip
// models use exact GELU). A loaded ViT-B/32 text tower holds about 250 MB
// of float32 weights. The BPE merges built into the package are OpenAI's,
// under the MIT licence in MergesNotice.
package clip

// Package gen writes deterministic LAION-format shards for demos, tests and
// benchmarks: metadata parquet with every LAION-400M column, image and text
// embeddings as float16 npy files, and the synset texts with their vectors.
//
// The model. Captions are the 10,000 real LAION captions (assets/, from
// rom1504/img2dataset's test file) drawn at random, mixed with on-topic
// captions ("a photo of a goldfish") that name one ImageNet class by one of
// its lemmas; classes follow a Zipf law, so a few classes are common and
// most are rare. Vectors are built around the real CLIP ViT-B/32 text
// embeddings of the 1000 classes (assets/, OpenAI's prompt ensemble): the
// synset text vector of class k is that embedding T_k, and its image centre
// is C_k = unit(T_k + 0.8·g_k) for a random unit g_k (cos(C_k, T_k) ≈ 0.78).
// An on-topic row's caption vector lies at cosine U(0.78, 0.95) from T_k, so
// about three quarters pass the paper's 0.82 filter, and its image vector at
// cosine s_k ± 0.06 from C_k, where each class's spread s_k is U(0.55, 0.85). A real caption that happens to name a
// class ("light blue dress" names light.n.02) is an incidental mention: its
// caption vector lies at cosine U(0.45, 0.80) from T_k, so it usually fails
// the filter, and its image vector is unrelated. Unrelated rows mix one of 64
// random topic directions with noise. Vectors are exactly unit length
// before float16 rounding; cosines are exact because the noise is made
// orthogonal to the centre. The ImageNet-like set has mostly tighter
// classes: images at cosine t_k ± 0.05 from C_k, t_k being U(0.70, 0.90)
// per class, so two images of a class have cosine ≈ t_k² (LAION: ≈ s_k²)
// and LAIONet comes out less self-similar in most classes, not all.
//
// An image's part off its class centre is not all noise: it leans towards
// the centre of one of three "confuser" classes per class, by a share
// drawn from U(0, 0.9) (the confuser and the share from a generator of
// their own). The less typical the image, the larger that part, so a
// zero-shot classifier (the class text vectors T_k as weights, written as
// synsets/zeroshot_weights.npy in the (dim, classes) layout of CLIP's
// published weights) gets about 90% of the ImageNet-like images right and
// about 70% of LAIONet's: the paper's second finding, planted.
//
// Everything is a function of the seed: the same seed and sizes give the
// same bytes.
package gen

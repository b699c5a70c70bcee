package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/laiondb/laiondb/engine/embed/clip"
	"github.com/laiondb/laiondb/engine/npy"
	"github.com/laiondb/laiondb/repl"
)

func init() {
	register("tokenize", "CLIP token ids of texts, as OpenAI's clip.tokenize gives them", runTokenize)
	register("embed", "CLIP text embeddings of texts, computed in the process from safetensors weights", runEmbed)
}

const textsHelp = "FILE holds one text a line, or is .jsonl with a \"text\" field a line (so a text\n" +
	"may hold newlines); - reads standard input."

func runTokenize(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "tokenize", "[--format ids|jsonl] FILE",
		"Prints the 77 token ids of each text: start of text, the BPE ids (cut to 75),\n"+
			"end of text, zeros; exactly what clip.tokenize(text, truncate=True) returns.\n"+
			textsHelp+"\n\n"+
			"The BPE merges built into laiondb are OpenAI's, under the MIT licence that\n"+
			"--license prints.")
	format := fs.String("format", "ids", "ids (space-separated, a text a line) or jsonl ({\"ids\": [...]} a line)")
	license := fs.Bool("license", false, "print the licence of OpenAI's CLIP code and BPE merges, and exit")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *license {
		_, err := io.WriteString(e.stdout, clip.MergesNotice)
		return err
	}
	if *format != "ids" && *format != "jsonl" {
		return fmt.Errorf("--format %q: use ids or jsonl", *format)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	texts, err := readTexts(fs.Arg(0), e.stdin)
	if err != nil {
		return err
	}
	tok, err := clip.NewTokenizer()
	if err != nil {
		return err
	}
	w := bufio.NewWriter(e.stdout)
	for _, t := range texts {
		if err := ctx.Err(); err != nil {
			return err
		}
		ids := tok.Tokenize(t)
		if *format == "jsonl" {
			w.WriteString(`{"ids": [`)
		}
		for i, id := range ids {
			if i > 0 {
				if *format == "jsonl" {
					w.WriteString(", ")
				} else {
					w.WriteByte(' ')
				}
			}
			w.WriteString(strconv.Itoa(int(id)))
		}
		if *format == "jsonl" {
			w.WriteString("]}")
		}
		w.WriteByte('\n')
	}
	return w.Flush()
}

func runEmbed(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "embed", "--model WEIGHTS [--out OUT.npy | --format jsonl] [--raw] FILE",
		"Computes the CLIP text embedding of each text with the text tower in WEIGHTS, a\n"+
			"safetensors file in OpenAI / open_clip names (open_clip_model.safetensors) or\n"+
			"Hugging Face CLIPModel names (model.safetensors); F32, F16 or BF16. Writes one\n"+
			"float32 unit vector a text (--raw: encode_text's output as it is), row i for\n"+
			"text i: an npy file with --out (IMPORT EMBEDDINGS reads it with the texts), or\n"+
			"JSON lines {\"text\", \"embedding\"} on standard output.\n"+textsHelp)
	model := fs.String("model", "", "safetensors file of a CLIP text tower (required)")
	out := fs.String("out", "", "write an npy file of float32 rows here")
	format := fs.String("format", "", "npy (with --out) or jsonl; default: npy with --out, else jsonl on stdout")
	raw := fs.Bool("raw", false, "write encode_text's output as it is, not normalised")
	name := fs.String("name", "", "model name to report (default: from the tensors' shapes, e.g. clip-vit-b32)")
	activation := fs.String("activation", "", "quick_gelu (OpenAI's models) or gelu (LAION's open_clip models); default: the file's metadata, else quick_gelu")
	threads := fs.Int("threads", 0, "goroutines (0: every core)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *model == "" || fs.NArg() != 1 {
		fs.Usage()
		if *model == "" {
			return fmt.Errorf("--model is required: the safetensors file of a CLIP text tower")
		}
		return errUsage
	}
	switch {
	case *format == "":
		*format = "jsonl"
		if *out != "" {
			*format = "npy"
		}
	case *format == "npy" && *out == "":
		return fmt.Errorf("--format npy needs --out FILE.npy")
	case *format != "npy" && *format != "jsonl":
		return fmt.Errorf("--format %q: use npy or jsonl", *format)
	}
	texts, err := readTexts(fs.Arg(0), e.stdin)
	if err != nil {
		return err
	}
	vecs, enc, took, err := encodeTexts(ctx, e, *model, clip.DefaultOptions().WithName(*name).WithActivation(*activation).WithThreads(*threads), texts, *raw)
	if err != nil {
		return err
	}
	if err := writeVectors(e, *out, *format, texts, vecs, enc.Dim()); err != nil {
		return err
	}
	kind := "unit vectors"
	if *raw {
		kind = "raw encode_text outputs"
	}
	msg := fmt.Sprintf("%d texts, %s of %s (%d-d) in %s (%.0f texts/s)", len(texts), kind, enc.Model(), enc.Dim(),
		took.Round(time.Millisecond), float64(len(texts))/took.Seconds())
	if *out != "" {
		msg += " → " + *out
	}
	fmt.Fprintln(e.stderr, msg)
	return nil
}

// encodeTexts loads the weights and encodes texts, with a progress bar on
// a terminal; it reports how long the encoding (not the loading) took.
func encodeTexts(ctx context.Context, e *env, weights string, opts clip.Options, texts []string, raw bool) ([][]float32, *clip.Encoder, time.Duration, error) {
	var bar *repl.Progress
	opts = opts.WithProgress(func(done, total int) {
		if bar == nil {
			bar = repl.NewProgress(e.stderr, "embed", "texts", int64(total))
		}
		bar.Set(int64(done))
	})
	enc, err := clip.Load(weights, opts)
	if err != nil {
		return nil, nil, 0, err
	}
	encode := enc.Embed
	if raw {
		encode = enc.Encode
	}
	start := time.Now()
	vecs, err := encode(ctx, texts)
	if bar != nil {
		bar.Done()
	}
	return vecs, enc, time.Since(start), err
}

// writeVectors writes one row a text: an npy file, or JSON lines to out
// (standard output when out is "").
func writeVectors(e *env, out, format string, texts []string, vecs [][]float32, dim int) error {
	if format == "npy" {
		w, err := npy.Create(out, npy.Float32, len(vecs), dim)
		if err != nil {
			return err
		}
		for _, v := range vecs {
			if err := w.WriteFloat32(v); err != nil {
				w.Close()
				return err
			}
		}
		return w.Close()
	}
	if out == "" {
		return writeJSONL(e.stdout, texts, vecs)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := writeJSONL(f, texts, vecs); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeJSONL(w io.Writer, texts []string, vecs [][]float32) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i, v := range vecs {
		if err := enc.Encode(struct {
			Text      string    `json:"text"`
			Embedding []float32 `json:"embedding"`
		}{texts[i], v}); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// embedSynsets writes the unit CLIP embeddings of the synset texts to
// out (npy) and the texts beside it (.txt), and prints the IMPORT
// statement that reads them.
func embedSynsets(ctx context.Context, e *env, weights, out string, texts []string) error {
	if !strings.HasSuffix(out, ".npy") {
		return fmt.Errorf("--out %q: the vectors go to an .npy file", out)
	}
	vecs, enc, _, err := encodeTexts(ctx, e, weights, clip.DefaultOptions(), texts, false)
	if err != nil {
		return err
	}
	textsPath := strings.TrimSuffix(out, ".npy") + ".txt"
	if err := os.WriteFile(textsPath, []byte(strings.Join(texts, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	if err := writeVectors(e, out, "npy", texts, vecs, enc.Dim()); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d synset texts embedded with %s (%d-d): %s, %s\n", len(texts), enc.Model(), enc.Dim(), textsPath, out)
	fmt.Fprintf(e.stdout, "IMPORT EMBEDDINGS FROM '%s', '%s' MODEL '%s';\n", textsPath, out, enc.Model())
	return nil
}

// readTexts reads the texts of FILE: one a line (a final newline ends the
// last line; CRLF and a byte-order mark are taken off), or with a .jsonl
// name one JSON object a line whose "text" field is the text. Errors name
// the file and line.
func readTexts(path string, stdin io.Reader) ([]string, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(data) == 0 {
		return nil, fmt.Errorf("%s: no texts: the file is empty", path)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	jsonl := strings.HasSuffix(strings.ToLower(path), ".jsonl")
	texts := make([]string, 0, len(lines))
	for i, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		where := fmt.Sprintf("%s:%d", path, i+1)
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("%s: not valid UTF-8; save the file as UTF-8", where)
		}
		if !jsonl {
			if strings.TrimSpace(line) == "" {
				return nil, fmt.Errorf("%s: empty text: every line is one text (and line i goes with row i of the vectors); remove the line", where)
			}
			texts = append(texts, line)
			continue
		}
		var rec struct {
			Text *string `json:"text"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) || strings.TrimSpace(line) == "" {
				return nil, fmt.Errorf("%s: not a JSON object: %v", where, err)
			}
			return nil, fmt.Errorf("%s: %v", where, err)
		}
		if rec.Text == nil {
			return nil, fmt.Errorf(`%s: no "text" field`, where)
		}
		texts = append(texts, *rec.Text)
	}
	return texts, nil
}

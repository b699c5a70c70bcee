package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/laiondb/laiondb/engine/synset"
)

func init() {
	register("synsets", "list the 1000 ImageNet-1k synsets: wnid, class, name, lemmas, gloss, synset text", runSynsets)
}

func runSynsets(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "synsets", "[--format tsv|jsonl|texts] | --embed --model WEIGHTS [--out OUT.npy]",
		"Prints every ImageNet-1k class in class order. --format texts prints only the\n"+
			"synset texts (\"<name> which is <gloss>\"), one a line: the input an external\n"+
			"CLIP text encoder needs for IMPORT EMBEDDINGS. --embed computes their CLIP\n"+
			"embeddings itself with the text tower in WEIGHTS (safetensors, as laiondb embed\n"+
			"takes), writes them to OUT.npy and the texts to OUT.txt, and prints the IMPORT\n"+
			"EMBEDDINGS statement that reads them.")
	format := fs.String("format", "tsv", "tsv, jsonl or texts")
	embedIt := fs.Bool("embed", false, "compute the synset texts' CLIP embeddings (needs --model)")
	model := fs.String("model", "", "with --embed: safetensors file of a CLIP text tower")
	out := fs.String("out", "synset_text_emb.npy", "with --embed: the npy file of the vectors")
	if err := parse(fs, args); err != nil {
		return err
	}
	cat, err := synset.ImageNet1k()
	if err != nil {
		return err
	}
	if *embedIt || *model != "" {
		if !*embedIt || *model == "" {
			return fmt.Errorf("--embed and --model go together: laiondb synsets --embed --model open_clip_model.safetensors")
		}
		var texts []string
		for _, s := range cat.Classes() {
			texts = append(texts, synset.Text(s))
		}
		return embedSynsets(ctx, e, *model, *out, texts)
	}
	w := e.stdout
	switch *format {
	case "tsv":
		fmt.Fprintln(w, "wnid\tclass\tname\tlemmas\tgloss\tsynset_text")
		for _, s := range cat.Classes() {
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.WNID, s.Class, s.Head, strings.Join(s.Lemmas, ", "), s.Gloss, synset.Text(s))
		}
	case "texts":
		for _, s := range cat.Classes() {
			fmt.Fprintln(w, synset.Text(s))
		}
	case "jsonl":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, s := range cat.Classes() {
			rec := struct {
				WNID       string   `json:"wnid"`
				Class      int      `json:"class"`
				Name       string   `json:"name"`
				Lemmas     []string `json:"lemmas"`
				Gloss      string   `json:"gloss"`
				SynsetText string   `json:"synset_text"`
				SenseName  string   `json:"sense"`
			}{s.WNID.String(), s.Class, s.Head, s.Lemmas, s.Gloss, synset.Text(s), s.Name}
			if err := enc.Encode(rec); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("--format %q: use tsv, jsonl or texts", *format)
	}
	return nil
}

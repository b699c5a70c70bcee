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
	fs := newFlags(e, "synsets", "[--format tsv|jsonl|texts]",
		"Prints every ImageNet-1k class in class order. --format texts prints only the\n"+
			"synset texts (\"<name> which is <gloss>\"), one a line: the input an external\n"+
			"CLIP text encoder needs for IMPORT EMBEDDINGS.")
	format := fs.String("format", "tsv", "tsv, jsonl or texts")
	if err := parse(fs, args); err != nil {
		return err
	}
	cat, err := synset.ImageNet1k()
	if err != nil {
		return err
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

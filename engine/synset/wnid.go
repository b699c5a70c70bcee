package synset

import (
	"fmt"
	"strconv"
)

// WNID identifies a WordNet 3.0 noun synset: the byte offset of its line in
// data.noun. It prints as ImageNet does, "n" and eight digits
// ("n01443537"). The zero WNID is no synset (offset 0 is the licence
// header of data.noun).
type WNID uint32

// String returns the ImageNet spelling, e.g. "n01443537".
func (id WNID) String() string { return fmt.Sprintf("n%08d", uint32(id)) }

// ParseWNID parses "n01443537" (the "n" may be upper case; exactly eight
// digits).
func ParseWNID(s string) (WNID, error) {
	if len(s) != 9 || (s[0] != 'n' && s[0] != 'N') {
		return 0, fmt.Errorf("%w: %q (want n followed by 8 digits)", ErrBadWNID, s)
	}
	for i := 1; i < 9; i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: %q (want n followed by 8 digits)", ErrBadWNID, s)
		}
	}
	v, err := strconv.ParseUint(s[1:], 10, 32)
	if err != nil || v == 0 {
		return 0, fmt.Errorf("%w: %q", ErrBadWNID, s)
	}
	return WNID(v), nil
}

// looksLikeWNID reports whether s has the WNID shape (n + 8 digits).
func looksLikeWNID(s string) bool {
	_, err := ParseWNID(s)
	return err == nil
}

// PaperSiberianHusky is the id the paper's class list (from an older
// ImageNet devkit) gives Siberian husky. It is not a WordNet 3.0 synset;
// Canonical maps it to n02110185, the standard id of that class.
const PaperSiberianHusky WNID = 2112837

// Canonical maps the ids that the paper's class list spells differently to
// their standard ImageNet-1k (WordNet 3.0) ids; other ids are returned
// unchanged. Lookups by WNID in Catalog and WordNet apply it.
func Canonical(id WNID) WNID {
	if id == PaperSiberianHusky {
		return 2110185
	}
	return id
}

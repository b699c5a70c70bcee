package index

import "slices"

// cand is a node with its score (dot product with the query; larger is
// closer).
type cand struct {
	score float32
	node  uint32
}

// maxHeap pops the best (largest score) first: the candidate queue.
type maxHeap []cand

func (h *maxHeap) push(c cand) {
	*h = append(*h, c)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].score >= s[i].score {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *maxHeap) pop() cand {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	*h = s
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		if r := l + 1; r < n && s[r].score > s[l].score {
			l = r
		}
		if s[i].score >= s[l].score {
			break
		}
		s[i], s[l] = s[l], s[i]
		i = l
	}
	return top
}

// minHeap keeps the worst (smallest score) on top: the result set, whose
// worst member is replaced when a better node is found.
type minHeap []cand

func (h *minHeap) push(c cand) {
	*h = append(*h, c)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].score <= s[i].score {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *minHeap) pop() cand {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	*h = s
	h.down(0)
	return top
}

func (h minHeap) down(i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		if r := l + 1; r < n && h[r].score < h[l].score {
			l = r
		}
		if h[i].score <= h[l].score {
			break
		}
		h[i], h[l] = h[l], h[i]
		i = l
	}
}

// offer adds c to a result set bounded at k members.
func (h *minHeap) offer(c cand, k int) {
	if len(*h) < k {
		h.push(c)
		return
	}
	if c.score > (*h)[0].score {
		(*h)[0] = c
		h.down(0)
	}
}

// sortDesc sorts s best first by score, then node for a stable order.
func sortDesc(s []cand) {
	// insertion sort for the short lists of neighbour selection.
	if len(s) <= 48 {
		for i := 1; i < len(s); i++ {
			c := s[i]
			j := i
			for j > 0 && less(s[j-1], c) {
				s[j] = s[j-1]
				j--
			}
			s[j] = c
		}
		return
	}
	slices.SortFunc(s, func(a, b cand) int {
		switch {
		case less(b, a):
			return -1
		case less(a, b):
			return 1
		}
		return 0
	})
}

// less orders worse-first: a is worse than b.
func less(a, b cand) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.node > b.node
}

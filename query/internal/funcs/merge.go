package funcs

import (
	"context"
	"fmt"

	"github.com/laiondb/laiondb/query/internal/value"
	"github.com/laiondb/laiondb/query/internal/wire"
)

// Mergeable is an aggregate state that a partial run writes down and
// laiondb merge reads back and combines with the states of the same group
// in other partials. Merging the states of a split of the rows gives the
// state of all of them: the same result, to rounding (sums of floats are
// added in another order). Merge takes states of the same aggregate with
// the same parameters, made by its NewState; the receiver should be the
// state of the rows that come first, as some states keep something of
// their first row (stddev's shift).
type Mergeable interface {
	AggState
	Encode(e *wire.Encoder)
	Decode(d *wire.Decoder)
	Merge(other AggState) error
}

// CanMerge reports whether the aggregate's states are Mergeable. Missing
// parameters are taken as 1 (a state's kind does not depend on them).
func (a *Aggregate) CanMerge(params []value.Value) bool {
	for len(params) < len(a.Params) {
		params = append(params, value.IntV(1))
	}
	st, err := a.NewState(params)
	if err != nil {
		return true // the parameters are wrong: the statement fails on its own
	}
	_, ok := st.(Mergeable)
	return ok
}

func mismatch(a, b AggState) error {
	return fmt.Errorf("cannot merge aggregate states of kinds %T and %T", a, b)
}

func (s *CountState) Encode(e *wire.Encoder) { e.Varint(s.n) }
func (s *CountState) Decode(d *wire.Decoder) { s.n = d.Varint() }
func (s *CountState) Merge(o AggState) error {
	x, ok := o.(*CountState)
	if !ok {
		return mismatch(s, o)
	}
	s.n += x.n
	return nil
}

func (s *sumState) Encode(e *wire.Encoder) {
	e.Varint(s.n)
	e.Bool(s.isInt)
	e.Varint(s.i)
	e.Float(s.f)
	e.Bool(s.anyRow)
	e.Varint(s.wraps)
}
func (s *sumState) Decode(d *wire.Decoder) {
	s.n, s.isInt, s.i, s.f, s.anyRow, s.wraps = d.Varint(), d.Bool(), d.Varint(), d.Float(), d.Bool(), d.Varint()
}

// Merge: the sum stays an integer when every value was one (Add turns it
// to a float at the first float, and starts it integer only at the first
// row).
func (s *sumState) Merge(o AggState) error {
	x, ok := o.(*sumState)
	if !ok || x.avg != s.avg {
		return mismatch(s, o)
	}
	if !x.anyRow {
		return nil
	}
	if !s.anyRow {
		s.isInt = x.isInt
	} else {
		s.isInt = s.isInt && x.isInt
	}
	// The INT sums add as Add adds a value: a wrap of the 64-bit range is
	// counted, with the wraps of each part, so the merged sum overflows
	// exactly when one database's would.
	sum, ok := value.AddInt(s.i, x.i)
	if !ok && x.i > 0 {
		s.wraps++
	} else if !ok {
		s.wraps--
	}
	s.n += x.n
	s.i = sum
	s.wraps += x.wraps
	s.f += x.f
	s.anyRow = true
	return nil
}

func (s *minMaxState) Encode(e *wire.Encoder) { e.Value(s.v) }
func (s *minMaxState) Decode(d *wire.Decoder) { s.v = d.Value() }
func (s *minMaxState) Merge(o AggState) error {
	x, ok := o.(*minMaxState)
	if !ok || x.min != s.min {
		return mismatch(s, o)
	}
	return s.Add(x.v)
}

func (s *vecSum) Encode(e *wire.Encoder) { e.Varint(s.n); e.Floats(s.sum) }
func (s *vecSum) Decode(d *wire.Decoder) {
	s.n, s.sum = d.Varint(), d.Floats()
	if s.n == 0 {
		s.sum = nil
	}
}

// merge adds another part's count and Σv.
func (s *vecSum) merge(x *vecSum) error {
	if x.n == 0 {
		return nil
	}
	if s.n == 0 {
		s.sum, s.n = append([]float64(nil), x.sum...), x.n
		return nil
	}
	if len(x.sum) != len(s.sum) {
		return fmt.Errorf("vectors of dimensions %d and %d in one group", len(s.sum), len(x.sum))
	}
	for i, v := range x.sum {
		s.sum[i] += v
	}
	s.n += x.n
	return nil
}

func (s *centroidState) Merge(o AggState) error {
	x, ok := o.(*centroidState)
	if !ok {
		return mismatch(s, o)
	}
	return s.merge(&x.vecSum)
}

func (s *intraclassState) Merge(o AggState) error {
	x, ok := o.(*intraclassState)
	if !ok {
		return mismatch(s, o)
	}
	return s.merge(&x.vecSum)
}

// Encode writes the group's vectors while there are at most as many as
// dimensions, else its moments (n, Σu and the d×d second moment): the
// smaller of the two exact forms.
func (s *pairsState) Encode(e *wire.Encoder) {
	if s.moments == nil && len(s.vecs) > 0 && len(s.vecs) > len(s.vecs[0]) {
		m, err := MomentsOf(context.Background(), s.vecs)
		if err != nil {
			s.err = err
		} else {
			s.moments, s.vecs = m, nil
		}
	}
	if s.err != nil {
		e.Byte(2)
		e.String(s.err.Error())
		return
	}
	if s.moments == nil {
		e.Byte(0)
		e.Uvarint(uint64(len(s.vecs)))
		for _, v := range s.vecs {
			e.Vector(v)
		}
		return
	}
	m := s.moments
	e.Byte(1)
	e.Varint(m.N)
	e.Float(m.Self4)
	e.Floats(m.Sum)
	d := len(m.Sum)
	e.Uvarint(uint64(d * (d + 1) / 2))
	for a := 0; a < d; a++ {
		for b := a; b < d; b++ {
			e.Float(m.Gram[a*d+b])
		}
	}
}

func (s *pairsState) Decode(d *wire.Decoder) {
	switch d.Byte() {
	case 0:
		n := d.Len(2)
		for i := 0; i < n && d.Err() == nil; i++ {
			s.vecs = append(s.vecs, d.Vector())
		}
	case 1:
		m := &Moments{N: d.Varint(), Self4: d.Float(), Sum: d.Floats()}
		dim := len(m.Sum)
		if d.Len(8) != dim*(dim+1)/2 {
			d.Fail("a second moment of the wrong size")
			return
		}
		m.Gram = make([]float64, dim*dim)
		for a := 0; a < dim; a++ {
			for b := a; b < dim; b++ {
				m.Gram[a*dim+b] = d.Float()
			}
		}
		s.moments = m
	case 2:
		s.err = fmt.Errorf("%s", d.String())
	default:
		d.Fail("unknown kind of intraclass_std state")
	}
}

// Merge keeps the vectors while both sides have them and they stay at
// most as many as dimensions; otherwise it adds moments.
func (s *pairsState) Merge(o AggState) error {
	x, ok := o.(*pairsState)
	if !ok || x.std != s.std {
		return mismatch(s, o)
	}
	if s.err == nil {
		s.err = x.err
	}
	if s.err != nil {
		return nil
	}
	if s.moments == nil && x.moments == nil {
		total, dim := len(s.vecs)+len(x.vecs), 0
		if len(s.vecs) > 0 {
			dim = len(s.vecs[0])
		} else if len(x.vecs) > 0 {
			dim = len(x.vecs[0])
		}
		if total <= dim {
			s.vecs = append(s.vecs, x.vecs...)
			return nil
		}
	}
	toMoments := func(p *pairsState) (*Moments, error) {
		if p.moments != nil || len(p.vecs) == 0 {
			return p.moments, nil
		}
		return MomentsOf(context.Background(), p.vecs)
	}
	a, err := toMoments(s)
	if err != nil {
		return err
	}
	b, err := toMoments(x)
	if err != nil {
		return err
	}
	switch {
	case a == nil:
		a = b
	case b != nil:
		if err := a.Add(b); err != nil {
			return err
		}
	}
	s.moments, s.vecs = a, nil
	return nil
}

// Chan, Golub and LeVeque's update: the second group's mean is moved to
// the first group's shift (exact for shifts within a factor of two of
// each other, as Welford's shift is).
func (s *momentState) Encode(e *wire.Encoder) {
	e.Varint(s.n)
	e.Float(s.shift)
	e.Float(s.mean)
	e.Float(s.m2)
}
func (s *momentState) Decode(d *wire.Decoder) {
	s.n, s.shift, s.mean, s.m2 = d.Varint(), d.Float(), d.Float(), d.Float()
}
func (s *momentState) Merge(o AggState) error {
	x, ok := o.(*momentState)
	if !ok || x.sample != s.sample || x.sqrt != s.sqrt {
		return mismatch(s, o)
	}
	if x.n == 0 {
		return nil
	}
	if s.n == 0 {
		s.n, s.shift, s.mean, s.m2 = x.n, x.shift, x.mean, x.m2
		return nil
	}
	xm := (x.shift - s.shift) + x.mean
	n := s.n + x.n
	delta := xm - s.mean
	s.mean += delta * float64(x.n) / float64(n)
	s.m2 += x.m2 + delta*delta*float64(s.n)*float64(x.n)/float64(n)
	s.n = n
	return nil
}

// quantile and histogram keep their values: merging puts them together
// (their results do not depend on the values' order).
func (s *quantileState) Encode(e *wire.Encoder) { e.Floats(s.vals) }
func (s *quantileState) Decode(d *wire.Decoder) { s.vals = d.Floats() }
func (s *quantileState) Merge(o AggState) error {
	x, ok := o.(*quantileState)
	if !ok || x.q != s.q {
		return mismatch(s, o)
	}
	s.vals = append(s.vals, x.vals...)
	return nil
}

func (s *histogramState) Encode(e *wire.Encoder) { e.Floats(s.vals) }
func (s *histogramState) Decode(d *wire.Decoder) { s.vals = d.Floats() }
func (s *histogramState) Merge(o AggState) error {
	x, ok := o.(*histogramState)
	if !ok || x.bins != s.bins {
		return mismatch(s, o)
	}
	s.vals = append(s.vals, x.vals...)
	return nil
}

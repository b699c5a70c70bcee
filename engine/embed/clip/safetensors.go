package clip

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/laiondb/laiondb/index/vec"
)

// safetensors is an open safetensors file: an 8-byte little-endian header
// length, a JSON header naming each tensor's dtype, shape and byte range,
// then the data. Tensors are read on demand, so a file holding a whole
// CLIP (vision tower too) costs only the text tower's bytes.
type safetensors struct {
	path     string
	f        *os.File
	base     int64 // offset of the data
	tensors  map[string]tensorInfo
	metadata map[string]string
}

type tensorInfo struct {
	DType   string  `json:"dtype"`
	Shape   []int   `json:"shape"`
	Offsets []int64 `json:"data_offsets"`
}

// maxHeader bounds the JSON header (the format's own limit is 100 MB).
const maxHeader = 100 << 20

func openSafetensors(path string) (*safetensors, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &WeightsError{Path: path, Msg: "cannot open the weights", Err: err}
	}
	st, err := openedSafetensors(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return st, nil
}

func openedSafetensors(path string, f *os.File) (*safetensors, error) {
	bad := func(format string, args ...any) error {
		return &WeightsError{Path: path, Err: ErrNotSafetensors,
			Msg: "not a safetensors file: " + fmt.Sprintf(format, args...) + "; CLIP weights come as model.safetensors (Hugging Face) or open_clip_model.safetensors"}
	}
	info, err := f.Stat()
	if err != nil {
		return nil, &WeightsError{Path: path, Msg: "cannot read the weights", Err: err}
	}
	if info.IsDir() {
		return nil, bad("it is a directory")
	}
	size := info.Size()
	var lenBuf [8]byte
	if _, err := f.ReadAt(lenBuf[:], 0); err != nil {
		return nil, bad("%d bytes, too short for a header", size)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n < 2 || n > maxHeader || int64(n) > size-8 {
		return nil, bad("the first 8 bytes do not give a header length that fits the file (%d bytes)", size)
	}
	head := make([]byte, n)
	if _, err := f.ReadAt(head, 8); err != nil {
		return nil, &WeightsError{Path: path, Msg: "cannot read the header", Err: err}
	}
	if head[0] != '{' {
		return nil, bad("the header is not a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(head, &raw); err != nil {
		return nil, bad("the header is not valid JSON (%v)", err)
	}
	st := &safetensors{path: path, f: f, base: 8 + int64(n), tensors: make(map[string]tensorInfo, len(raw))}
	dataSize := size - st.base
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &st.metadata); err != nil {
				return nil, bad("__metadata__ is not a map of strings (%v)", err)
			}
			continue
		}
		var ti tensorInfo
		if err := json.Unmarshal(msg, &ti); err != nil || len(ti.Offsets) != 2 {
			return nil, bad("the header entry of %q is not {dtype, shape, data_offsets}", name)
		}
		if ti.Offsets[0] < 0 || ti.Offsets[1] < ti.Offsets[0] || ti.Offsets[1] > dataSize {
			return nil, bad("the data of %q (bytes %d to %d) lies outside the file's %d data bytes; is the file cut short?", name, ti.Offsets[0], ti.Offsets[1], dataSize)
		}
		st.tensors[name] = ti
	}
	return st, nil
}

func (st *safetensors) Close() error { return st.f.Close() }

// read returns a tensor as float32 values, checking its shape against
// want (-1 accepts any size on that axis) and decoding F32, F16 or BF16.
// what says what the shape should be, for the error.
func (st *safetensors) read(name string, want []int, what string) ([]float32, []int, error) {
	ti, ok := st.tensors[name]
	if !ok {
		return nil, nil, &WeightsError{Path: st.path, Tensor: name, Err: ErrMissingTensor, Msg: "missing: the file has no tensor of that name"}
	}
	fits := len(ti.Shape) == len(want)
	for i := 0; fits && i < len(want); i++ {
		fits = want[i] < 0 || ti.Shape[i] == want[i]
	}
	if !fits {
		return nil, nil, &WeightsError{Path: st.path, Tensor: name, Err: ErrTensorShape,
			Msg: fmt.Sprintf("misshapen: shape %v, want %s", ti.Shape, what)}
	}
	size := 0
	switch ti.DType {
	case "F32":
		size = 4
	case "F16", "BF16":
		size = 2
	default:
		return nil, nil, &WeightsError{Path: st.path, Tensor: name, Err: ErrDType,
			Msg: fmt.Sprintf("dtype %s is not supported: the text tower's tensors must be F32, F16 or BF16", ti.DType)}
	}
	count := 1
	for _, d := range ti.Shape {
		count *= d
	}
	if int64(count*size) != ti.Offsets[1]-ti.Offsets[0] {
		return nil, nil, &WeightsError{Path: st.path, Tensor: name, Err: ErrNotSafetensors,
			Msg: fmt.Sprintf("not a safetensors file: %d bytes of data for a %s tensor of shape %v", ti.Offsets[1]-ti.Offsets[0], ti.DType, ti.Shape)}
	}
	buf := make([]byte, count*size)
	if _, err := st.f.ReadAt(buf, st.base+ti.Offsets[0]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, nil, &WeightsError{Path: st.path, Tensor: name, Msg: "cannot read the data", Err: err}
	}
	out := make([]float32, count)
	switch ti.DType {
	case "F32":
		vec.DecodeF32(out, buf)
	case "F16":
		vec.F16ToF32(out, buf)
	default:
		vec.BF16ToF32(out, buf)
	}
	return out, slices.Clone(ti.Shape), nil
}

// shape returns a tensor's shape, nil when absent.
func (st *safetensors) shape(name string) []int { return st.tensors[name].Shape }

// prefixOf returns the prefix before suffix of the tensor names that end
// with it (the shortest, if several do), and whether one does.
func (st *safetensors) prefixOf(suffix string) (string, bool) {
	best, found := "", false
	for name := range st.tensors {
		if p, ok := strings.CutSuffix(name, suffix); ok && (!found || len(p) < len(best) || len(p) == len(best) && p < best) {
			best, found = p, true
		}
	}
	return best, found
}

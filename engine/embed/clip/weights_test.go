package clip

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/index/vec"
)

// tensor is one tensor to write into a test file.
type tensor struct {
	name  string
	dtype string // F32, F16, BF16 or anything else (written as raw bytes)
	shape []int
	vals  []float32
	raw   []byte // for other dtypes
}

// readTiny returns the tiny model's tensors in file order.
func readTiny(t *testing.T) ([]tensor, map[string]string) {
	t.Helper()
	st, err := openSafetensors(tinyModel)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var names []string
	for n := range st.tensors {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return int(st.tensors[a].Offsets[0] - st.tensors[b].Offsets[0]) })
	var out []tensor
	for _, n := range names {
		v, shape, err := st.read(n, make([]int, len(st.shape(n))), "")
		if err != nil {
			// read checks the shape; ask for the one the file has.
			v, shape, err = st.read(n, st.shape(n), "")
			if err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, tensor{name: n, dtype: "F32", shape: shape, vals: v})
	}
	return out, st.metadata
}

// writeSafetensors writes tensors (and metadata) to a file in dir.
func writeSafetensors(t *testing.T, path string, ts []tensor, md map[string]string) {
	t.Helper()
	head := map[string]any{}
	if md != nil {
		head["__metadata__"] = md
	}
	var data []byte
	for _, x := range ts {
		var b []byte
		switch x.dtype {
		case "F32":
			b = make([]byte, 4*len(x.vals))
			vec.EncodeF32(b, x.vals)
		case "F16":
			b = make([]byte, 2*len(x.vals))
			vec.F32ToF16(b, x.vals)
		case "BF16":
			b = make([]byte, 2*len(x.vals))
			for i, v := range x.vals {
				binary.LittleEndian.PutUint16(b[2*i:], uint16(f32bits(v)>>16))
			}
		default:
			b = x.raw
		}
		head[x.name] = map[string]any{"dtype": x.dtype, "shape": x.shape, "data_offsets": []int{len(data), len(data) + len(b)}}
		data = append(data, b...)
	}
	js, err := json.Marshal(head)
	if err != nil {
		t.Fatal(err)
	}
	for len(js)%8 != 0 {
		js = append(js, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(js)))
	out = append(append(out, js...), data...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func f32bits(v float32) uint32 {
	var b [4]byte
	vec.EncodeF32(b[:], []float32{v})
	return binary.LittleEndian.Uint32(b[:])
}

// toHuggingFace renames the tiny model's tensors as transformers'
// CLIPModel names them: q/k/v split, the projection transposed, and the
// integer position_ids buffer older checkpoints carry.
func toHuggingFace(ts []tensor) []tensor {
	var out []tensor
	for _, x := range ts {
		n := x.name
		switch {
		case n == "token_embedding.weight":
			n = "text_model.embeddings.token_embedding.weight"
		case n == "positional_embedding":
			n = "text_model.embeddings.position_embedding.weight"
		case n == "ln_final.weight" || n == "ln_final.bias":
			n = "text_model.final_layer_norm." + strings.TrimPrefix(n, "ln_final.")
		case n == "text_projection":
			W, E := x.shape[0], x.shape[1]
			tr := make([]float32, len(x.vals))
			for i := range W {
				for j := range E {
					tr[j*W+i] = x.vals[i*E+j]
				}
			}
			out = append(out, tensor{name: "text_projection.weight", dtype: x.dtype, shape: []int{E, W}, vals: tr})
			continue
		case strings.HasPrefix(n, "transformer.resblocks."):
			rest := strings.TrimPrefix(n, "transformer.resblocks.")
			num, part, _ := strings.Cut(rest, ".")
			p := "text_model.encoder.layers." + num + "."
			if part == "attn.in_proj_weight" || part == "attn.in_proj_bias" {
				kind := "weight"
				if part == "attn.in_proj_bias" {
					kind = "bias"
				}
				third := len(x.vals) / 3
				for k, qkv := range []string{"q", "k", "v"} {
					shape := slices.Clone(x.shape)
					shape[0] /= 3
					out = append(out, tensor{name: p + "self_attn." + qkv + "_proj." + kind, dtype: x.dtype, shape: shape, vals: x.vals[k*third : (k+1)*third]})
				}
				continue
			}
			part = strings.NewReplacer("ln_1", "layer_norm1", "ln_2", "layer_norm2", "attn.out_proj", "self_attn.out_proj",
				"mlp.c_fc", "mlp.fc1", "mlp.c_proj", "mlp.fc2").Replace(part)
			n = p + part
		}
		x.name = n
		out = append(out, x)
	}
	pos := make([]byte, 8*77)
	for i := range 77 {
		binary.LittleEndian.PutUint64(pos[8*i:], uint64(i))
	}
	return append(out, tensor{name: "text_model.embeddings.position_ids", dtype: "I64", shape: []int{1, 77}, raw: pos})
}

func TestLoadHuggingFaceNames(t *testing.T) {
	ts, md := readTiny(t)
	path := filepath.Join(t.TempDir(), "model.safetensors")
	writeSafetensors(t, path, toHuggingFace(ts), md)
	e, err := Load(path, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	checkParity(t, e, 1e-4)
}

// TestLoadHalfPrecision: F16 and BF16 weights give what the same values
// give in F32 (the decoding is exact), and stay near encode_text's output
// in full precision.
func TestLoadHalfPrecision(t *testing.T) {
	ts, md := readTiny(t)
	dir := t.TempDir()
	for _, dtype := range []string{"F16", "BF16"} {
		half := make([]tensor, len(ts))
		rounded := make([]tensor, len(ts))
		for i, x := range ts {
			half[i] = x
			half[i].dtype = dtype
			// The values a half-precision file holds, in float32.
			r := make([]float32, len(x.vals))
			b := make([]byte, 2*len(x.vals))
			if dtype == "F16" {
				vec.F32ToF16(b, x.vals)
				vec.F16ToF32(r, b)
			} else {
				for j, v := range x.vals {
					binary.LittleEndian.PutUint16(b[2*j:], uint16(f32bits(v)>>16))
				}
				vec.BF16ToF32(r, b)
			}
			rounded[i] = tensor{name: x.name, dtype: "F32", shape: x.shape, vals: r}
		}
		hp, rp := filepath.Join(dir, dtype+".safetensors"), filepath.Join(dir, dtype+"-as-f32.safetensors")
		writeSafetensors(t, hp, half, md)
		writeSafetensors(t, rp, rounded, md)
		eh, err := Load(hp, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		er, err := Load(rp, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		refs, want := tinyReference(t)
		texts := make([]string, len(refs))
		for i, r := range refs {
			texts[i] = r.Text
		}
		got, err := eh.Encode(t.Context(), texts)
		if err != nil {
			t.Fatal(err)
		}
		same, err := er.Encode(t.Context(), texts)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for i := range got {
			for j := range got[i] {
				if got[i][j] != same[i][j] {
					t.Fatalf("%s: text %d value %d is %v, the F32 copy of the same weights gives %v", dtype, i, j, got[i][j], same[i][j])
				}
				worst = max(worst, float64(abs32(got[i][j]-want[i][j])))
			}
		}
		t.Logf("%s: largest difference from the full-precision encode_text: %.2g", dtype, worst)
		if worst > 0.1 {
			t.Errorf("%s weights drift %.3g from the F32 model's output", dtype, worst)
		}
	}
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// TestLoadBadFiles: each problem is a *WeightsError that names the file,
// and the tensor where one is at fault.
func TestLoadBadFiles(t *testing.T) {
	ts, md := readTiny(t)
	dir := t.TempDir()
	without := func(name string) []tensor {
		return slices.DeleteFunc(slices.Clone(ts), func(x tensor) bool { return x.name == name })
	}
	with := func(name string, f func(*tensor)) []tensor {
		out := slices.Clone(ts)
		for i := range out {
			if out[i].name == name {
				f(&out[i])
			}
		}
		return out
	}
	cases := []struct {
		name   string
		write  func(path string)
		is     error
		tensor string
		says   []string
	}{
		{"missing file", func(string) {}, fs.ErrNotExist, "", []string{"cannot open", "no such file"}},
		{"an npy file", func(p string) {
			os.WriteFile(p, []byte("\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"), 0o644)
		}, ErrNotSafetensors, "", []string{"not a safetensors file", "header length"}},
		{"empty file", func(p string) { os.WriteFile(p, nil, 0o644) }, ErrNotSafetensors, "", []string{"too short"}},
		{"header not JSON", func(p string) {
			os.WriteFile(p, append(binary.LittleEndian.AppendUint64(nil, 4), "{abc"...), 0o644)
		}, ErrNotSafetensors, "", []string{"not valid JSON"}},
		{"cut short", func(p string) {
			writeSafetensors(t, p, ts, md)
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)-100], 0o644)
		}, ErrNotSafetensors, "", []string{"cut short"}},
		{"not a CLIP", func(p string) {
			writeSafetensors(t, p, []tensor{{name: "fc.weight", dtype: "F32", shape: []int{2}, vals: []float32{1, 2}}}, nil)
		}, ErrMissingTensor, "token_embedding.weight", []string{"no CLIP text tower"}},
		{"missing tensor", func(p string) { writeSafetensors(t, p, without("transformer.resblocks.1.mlp.c_proj.bias"), md) },
			ErrMissingTensor, "transformer.resblocks.1.mlp.c_proj.bias", []string{"missing", "OpenAI / open_clip names"}},
		{"missing block", func(p string) {
			var kept []tensor
			for _, x := range ts {
				if !strings.HasPrefix(x.name, "transformer.resblocks.0.") {
					kept = append(kept, x)
				}
			}
			writeSafetensors(t, p, kept, md)
		}, ErrMissingTensor, "transformer.resblocks.0.ln_1.weight", nil},
		{"missing projection", func(p string) { writeSafetensors(t, p, without("text_projection"), md) },
			ErrMissingTensor, "text_projection", nil},
		{"misshapen tensor", func(p string) {
			writeSafetensors(t, p, with("transformer.resblocks.0.attn.in_proj_weight", func(x *tensor) {
				x.shape = []int{64, 192}
			}), md)
		}, ErrTensorShape, "transformer.resblocks.0.attn.in_proj_weight", []string{"misshapen", "shape [64 192]", "want [192 64]"}},
		{"wrong vocabulary", func(p string) {
			writeSafetensors(t, p, with("token_embedding.weight", func(x *tensor) {
				x.shape = []int{49407, 64}
				x.vals = x.vals[:49407*64]
			}), md)
		}, ErrTensorShape, "token_embedding.weight", []string{"49408 tokens"}},
		{"unsupported dtype", func(p string) {
			writeSafetensors(t, p, with("ln_final.bias", func(x *tensor) {
				x.dtype, x.raw = "F64", make([]byte, 8*64)
			}), md)
		}, ErrDType, "ln_final.bias", []string{"dtype F64 is not supported", "F32, F16 or BF16"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".safetensors")
			c.write(path)
			_, err := Load(path, DefaultOptions())
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			var we *WeightsError
			if !errors.As(err, &we) || !errors.Is(err, c.is) {
				t.Fatalf("%v: not a *WeightsError wrapping %v", err, c.is)
			}
			if we.Path != path || !strings.HasPrefix(err.Error(), path+": ") {
				t.Errorf("error does not start with the file: %v", err)
			}
			if we.Tensor != c.tensor || (c.tensor != "" && !strings.Contains(err.Error(), `"`+c.tensor+`"`)) {
				t.Errorf("error names tensor %q, want %q", we.Tensor, c.tensor)
			}
			for _, s := range c.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error does not say %q", s)
				}
			}
		})
	}
}

package clip

import (
	"errors"
	"fmt"
)

// Sentinel errors; match them with errors.Is. Every problem with a weights
// file is a *WeightsError naming the file (and the tensor) that wraps one
// of them, or the os error for a file that cannot be read.
var (
	// ErrNotSafetensors: the file is not in the safetensors format (or is
	// cut short).
	ErrNotSafetensors = errors.New("not a safetensors file")
	// ErrMissingTensor: a tensor of the text tower is not in the file.
	ErrMissingTensor = errors.New("missing tensor")
	// ErrTensorShape: a tensor's shape does not fit the text tower.
	ErrTensorShape = errors.New("misshapen tensor")
	// ErrDType: a tensor is stored in a type other than F32, F16 or BF16.
	ErrDType = errors.New("unsupported tensor dtype")
)

// WeightsError reports a problem with a weights file: the file, the
// tensor when one is at fault, what is wrong, and the sentinel or os error
// it wraps.
type WeightsError struct {
	Path   string
	Tensor string
	Msg    string
	Err    error
}

// Error reads "PATH: tensor "NAME": what is wrong", without the tensor
// when none is at fault; an os error is appended as the cause.
func (e *WeightsError) Error() string {
	s := e.Path + ": "
	if e.Tensor != "" {
		s += fmt.Sprintf("tensor %q: ", e.Tensor)
	}
	s += e.Msg
	switch e.Err {
	case nil, ErrNotSafetensors, ErrMissingTensor, ErrTensorShape, ErrDType:
	default:
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap lets errors.Is find the sentinel or the os error.
func (e *WeightsError) Unwrap() error { return e.Err }

package jsonata

import (
	"bytes"
	"errors"
	"io"
)

var errTrailing = errors.New("jsonata: invalid JSON text")

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

package jsonata

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	mrand "math/rand/v2"
	"strings"
)

// AWSFunctions returns the functions AWS Step Functions adds to JSONata
// (aws-api-notes §2.4), for use with EvalWith/EvalEnv:
//
//	$partition(array, size)      split array into chunks of size
//	$range(start, end, step)     start, start+step, … up to end inclusive
//	$hash(string, algorithm)     hex digest; MD5, SHA-1, SHA-256, SHA-384, SHA-512
//	$random([seed])              0 ≤ n < 1; a seed makes it deterministic
//	$uuid()                      a random version 4 UUID
//	$parse(jsonString)           JSON text to value
//
// $eval is hidden, as AWS does not offer it (use $parse).
//
// Integer parameters are rounded down, as AWS documents. $random with a
// seed is deterministic and repeatable here, but AWS does not document its
// generator, so seeded values differ from the ones AWS returns.
func AWSFunctions() map[string]Function {
	return map[string]Function{
		"partition": {Signature: "<an:a>", Fn: awsPartition},
		"range":     {Signature: "<nnn?:a>", Fn: awsRange},
		"hash":      {Signature: "<ss:s>", Fn: awsHash},
		"random":    {Signature: "<n?:n>", Fn: awsRandom},
		"uuid":      {Signature: "<:s>", Fn: awsUUID},
		"parse":     {Signature: "<s:x>", Fn: awsParse},
		"eval":      {}, // AWS supports every built-in except $eval
	}
}

func awsError(msg string) error { return &Error{Code: "D3137", Message: msg} }

func intArg(v any) (int64, bool) {
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return int64(math.Floor(f)), true
}

func awsPartition(args []any) (any, error) {
	arr, _ := args[0].([]any)
	size, ok := intArg(args[1])
	if !ok || size <= 0 {
		return nil, awsError("The size argument of $partition must be a positive integer")
	}
	out := []any{}
	for i := 0; i < len(arr); i += int(size) {
		end := min(i+int(size), len(arr))
		out = append(out, append([]any{}, arr[i:end]...))
	}
	return out, nil
}

const maxRangeItems = 1000

func awsRange(args []any) (any, error) {
	start, ok1 := intArg(args[0])
	end, ok2 := intArg(args[1])
	step := int64(1)
	if len(args) > 2 && args[2] != nil {
		s, ok := intArg(args[2])
		if !ok {
			return nil, awsError("The step argument of $range must be an integer")
		}
		step = s
	}
	if !ok1 || !ok2 {
		return nil, awsError("The start and end arguments of $range must be integers")
	}
	if step == 0 {
		return nil, awsError("The step argument of $range must not be zero")
	}
	out := []any{}
	for v := start; (step > 0 && v <= end) || (step < 0 && v >= end); v += step {
		if len(out) >= maxRangeItems {
			return nil, awsError(fmt.Sprintf("$range would return more than %d items", maxRangeItems))
		}
		out = append(out, float64(v))
	}
	return out, nil
}

func awsHash(args []any) (any, error) {
	s, _ := args[0].(string)
	algo, _ := args[1].(string)
	var h hash.Hash
	switch strings.ToUpper(algo) {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return nil, awsError("The hashing algorithm " + algo + " is not supported; use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512")
	}
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func awsRandom(args []any) (any, error) {
	if len(args) == 0 || args[0] == nil {
		return mrand.Float64(), nil
	}
	seed, ok := intArg(args[0])
	if !ok {
		return nil, awsError("The seed argument of $random must be an integer")
	}
	r := mrand.New(mrand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	return r.Float64(), nil
}

func awsUUID([]any) (any, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

func awsParse(args []any) (any, error) {
	s, _ := args[0].(string)
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, awsError("The argument of $parse is not valid JSON: " + err.Error())
	}
	if dec.More() {
		return nil, awsError("The argument of $parse is not valid JSON: trailing data")
	}
	if v == nil {
		return Null, nil
	}
	return v, nil
}

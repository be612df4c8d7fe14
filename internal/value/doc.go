// Package value is sfnlocal's JSON value model: the one representation of user data that
// flows through the interpreter, JSONPath, payload templates, intrinsics, JSONata and the
// integrations.
//
// It exists because AWS keeps JSON object keys in the order they were written (its engine is
// built on Jackson's insertion-ordered ObjectNode), and Go maps have no order. A value here is
// one of:
//
//	nil          JSON null
//	bool         true / false
//	string       a string
//	json.Number  a number, kept as its text (1.0 stays 1.0, big integers stay exact)
//	[]any        an array
//	*Object      an object, keys in insertion order
//
// Decoding keeps the document's order, rejects invalid UTF-8 and nesting deeper than
// MaxDepth. Encoding writes compact JSON the way AWS writes it: no HTML escaping, object keys
// in order. For compatibility with values that Go code builds by hand, Encode, Equal and
// FromPlain also accept map[string]any (written with sorted keys, as encoding/json does).
//
// Ownership: an *Object is mutable only by the code that made it, until it is published (stored
// in another value, returned, recorded). After that it is immutable; With and Without return
// modified copies and leave the receiver alone. Readers may share an Object between
// goroutines.
//
// Standard library only: this is a leaf package that every layer may import. A library such as
// an ordered-map module would still need our decoder (UTF-8 and depth checks, json.Number) and
// our encoder (AWS's escaping), which are most of the code.
package value

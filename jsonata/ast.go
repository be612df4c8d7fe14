package jsonata

type kind uint8

const (
	// leaves
	nString kind = iota
	nNumber
	nValue // true, false, null
	nName
	nVariable
	nRegex
	nWildcard
	nDescendant
	nParent
	nPlaceholder // '?' in a partial application
	// raw parse nodes, rewritten by process
	nBinary    // op in str
	nUnaryNeg  // '-'
	nArrayCons // '[' ... ']'
	nObjectCons
	nFunction
	nPartial
	nLambda
	nCondition
	nTransform
	nBlock
	nBind      // :=
	nApply     // ~>
	nSortRaw   // '^' with terms
	nFocusRaw  // '@'
	nIndexRaw  // '#'
	nFilterRaw // '[' infix
	nGroupRaw  // '{' infix
	nDotRaw    // '.'
	nCoalesce  // ??
	nElvis     // ?:
	// processed only
	nPath
	nSort
)

type slot struct {
	label string
	level int
	index int
}

type stage struct {
	filter *node // filter stage when non-nil
	index  string
	pos    int
}

type groupExpr struct {
	pairs [][2]*node
	pos   int
}

type sortTerm struct {
	desc bool
	expr *node
}

type node struct {
	kind  kind
	str   string // operator, name, variable, string literal
	num   float64
	val   any // literal true/false/null
	re    *regexValue
	pos   int
	lhs   *node
	rhs   *node
	exprs []*node    // block, array constructor, function args, lambda params
	pairs [][2]*node // object constructor
	proc  *node      // function procedure
	body  *node      // lambda body
	sig   *signature

	cond, then, els      *node
	pattern, update, del *node

	steps     []*node
	stages    []stage
	predicate []stage
	group     *groupExpr
	terms     []sortTerm

	focus, index       string
	tuple              bool
	keepArray          bool
	keepSingletonArray bool
	consarray          bool
	thunk              bool
	ancestor           *slot
	slot               *slot
	seekingParent      []*slot
}

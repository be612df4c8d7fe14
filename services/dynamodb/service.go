package dynamodb

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/regional"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// Config configures the fake.
type Config struct {
	Clock     clock.Clock
	Logger    *zap.Logger
	Region    string
	AccountID string
	// DB, when set, keeps tables and items durably (see persist.go); nil keeps them in memory.
	DB *storage.DB
}

// Service holds the tables.
type Service struct {
	cfg Config

	mu     sync.RWMutex
	tables map[string]*table

	j       *journal.Journal // nil in memory mode
	loadErr error
	// Tables are kept per region, as on AWS: each other region's tables are held by a Service
	// of their own (In), made at New when the store holds tables of it, else on first use;
	// root is the default region's Service.
	root    *Service
	regions regional.Set[*Service]
}

// In returns the Service holding the tables of region (the default region's for ""): requests
// signed for a region and Step Functions integrations running in one use it.
func (s *Service) In(region string) *Service {
	if s.root != nil {
		return s.root.In(region)
	}
	return s.regions.In(region, s.cfg.Region, s, func(region string) (*Service, error) {
		cfg := s.cfg
		cfg.Region, cfg.DB = region, regional.DB(s.cfg.DB, region, s.cfg.Region) // its buckets in the store (persist.go)
		r := newService(cfg)
		r.root = s
		return r, nil
	})
}

// loadRegions makes the Service of every other region the store holds tables of (persist.go),
// and adds their load errors to s's.
func (s *Service) loadRegions() {
	regions, err := regional.Stored(s.cfg.DB, "dynamodb.", s.cfg.Region)
	errs := []error{s.loadErr, err}
	for _, r := range regions {
		errs = append(errs, s.In(r).LoadError())
	}
	s.loadErr = errors.Join(errs...)
}

type keyAttr struct{ name, typ string }

type table struct {
	name       string
	id         string
	hash       keyAttr
	rng        keyAttr // zero when the table has no sort key
	attrDefs   []any
	keySchema  []any
	created    time.Time
	billing    string
	read       json.Number
	write      json.Number
	parts      map[string]map[string]map[string]any // hash key → range key → item
	count      int
	sizeBytes  int
	deleteProt bool
	j          *journal.Journal // the service's, for put and remove (nil in memory mode)
}

// New returns a DynamoDB fake without tables, or, with a store, with the tables it holds in
// every region.
func New(cfg Config) *Service {
	s := newService(cfg)
	if cfg.DB != nil {
		s.loadRegions()
	}
	return s
}

// newService is New for one region: the default region's Service, or another region's (In).
func newService(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "123456789012"
	}
	s := &Service{cfg: cfg, tables: map[string]*table{}, j: journal.New(cfg.DB)}
	if cfg.DB != nil {
		s.loadErr = s.load(cfg.DB)
	}
	return s
}

// LoadError reports a failure to read the durable state at New (nil in memory mode).
func (s *Service) LoadError() error { return s.loadErr }

// Do runs one DynamoDB operation (e.g. "PutItem") on its input in generic JSON form, as
// task.DecodePlain returns it, and returns the output in the same form. Errors are *Error.
func (s *Service) Do(op string, in map[string]any) (map[string]any, error) {
	if in == nil {
		in = map[string]any{}
	}
	var out map[string]any
	err := checkLegacy(in)
	if err != nil {
		return nil, err
	}
	switch op {
	case "CreateTable":
		out, err = s.createTable(in)
	case "DescribeTable":
		out, err = s.describeTable(in)
	case "ListTables":
		out, err = s.listTables(in)
	case "DeleteTable":
		out, err = s.deleteTable(in)
	case "PutItem":
		out, err = s.putItem(in)
	case "GetItem":
		out, err = s.getItem(in)
	case "DeleteItem":
		out, err = s.deleteItem(in)
	case "UpdateItem":
		out, err = s.updateItem(in)
	case "Query":
		out, err = s.query(in, false)
	case "Scan":
		out, err = s.query(in, true)
	case "BatchWriteItem":
		out, err = s.batchWriteItem(in)
	case "BatchGetItem":
		out, err = s.batchGetItem(in)
	default:
		return nil, &Error{Code: "UnknownOperationException", Status: 400}
	}
	if err != nil {
		return nil, err
	}
	if e := s.j.Sync(); e != nil { // every change this operation made, before it is answered
		return nil, &Error{Code: "InternalServerError", Message: e.Error(), Status: 500}
	}
	if rc, _ := in["ReturnConsumedCapacity"].(string); rc == "TOTAL" || rc == "INDEXES" {
		if units := capacityUnits(op, in); units != "" {
			out["ConsumedCapacity"] = map[string]any{"TableName": task.Text(in["TableName"]), "CapacityUnits": json.Number(units)}
		}
	}
	return out, nil
}

// capacityUnits is the capacity a small item costs: a write unit, or half a read unit for an
// eventually consistent read.
func capacityUnits(op string, in map[string]any) string {
	switch op {
	case "PutItem", "DeleteItem", "UpdateItem":
		return "1.0"
	case "GetItem", "Query", "Scan":
		if in["ConsistentRead"] == true {
			return "1.0"
		}
		return "0.5"
	}
	return ""
}

// legacyParams are the pre-expression parameters. AttributesToGet is served; the others are
// refused rather than silently ignored.
var legacyParams = []string{"Expected", "AttributeUpdates", "KeyConditions", "QueryFilter", "ScanFilter", "ConditionalOperator"}

// checkLegacy refuses the legacy parameters this fake does not implement and AWS's mix of
// legacy and expression parameters.
func checkLegacy(in map[string]any) *Error {
	for _, p := range legacyParams {
		if in[p] != nil {
			return errValidation("sfnlocal does not support the legacy parameter %s; use the expression parameters instead", p)
		}
	}
	if in["AttributesToGet"] != nil && in["ProjectionExpression"] != nil {
		return errValidation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
	}
	return nil
}

// attributesToGet turns the legacy AttributesToGet list into projection paths.
func attributesToGet(in map[string]any) ([]docPath, *Error) {
	l, ok := in["AttributesToGet"].([]any)
	if !ok {
		return nil, nil
	}
	if len(l) == 0 {
		return nil, errValidation("1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	out := make([]docPath, 0, len(l))
	for _, a := range l {
		name, ok := a.(string)
		if !ok || name == "" {
			return nil, errValidation("One or more parameter values were invalid: AttributesToGet contains an invalid attribute name")
		}
		out = append(out, docPath{{name: name}})
	}
	return out, nil
}

var tableNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`) })

// violations collects AWS's "N validation errors detected" constraint messages.
type violations []string

func (v *violations) null(field string, val any) bool {
	if val == nil {
		*v = append(*v, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", field))
		return true
	}
	return false
}

func (v *violations) tableName(val any) {
	if v.null("tableName", val) {
		return
	}
	name := task.Text(val)
	if !tableNameRE().MatchString(name) {
		*v = append(*v, fmt.Sprintf("Value '%s' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", name))
	}
	if len(name) < 3 {
		*v = append(*v, fmt.Sprintf("Value '%s' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3", name))
	}
	if len(name) > 255 {
		*v = append(*v, fmt.Sprintf("Value '%s' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255", name))
	}
}

func (v *violations) enum(field string, val any, allowed ...string) {
	if val == nil {
		return
	}
	s, _ := val.(string)
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	*v = append(*v, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", task.Text(val), field, strings.Join(allowed, ", ")))
}

func (v violations) err() *Error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return errValidation("1 validation error detected: %s", v[0])
	}
	return errValidation("%d validation errors detected: %s", len(v), strings.Join(v, "; "))
}

func (s *Service) arn(name string) string {
	return fmt.Sprintf("arn:%s:dynamodb:%s:%s:table/%s", awsproto.Partition(s.cfg.Region), s.cfg.Region, s.cfg.AccountID, name)
}

func (s *Service) createTable(in map[string]any) (map[string]any, *Error) {
	var v violations
	v.tableName(in["TableName"])
	v.null("keySchema", in["KeySchema"])
	v.null("attributeDefinitions", in["AttributeDefinitions"])
	v.enum("billingMode", in["BillingMode"], "PROVISIONED", "PAY_PER_REQUEST")
	defs, _ := in["AttributeDefinitions"].([]any)
	for i, d := range defs {
		dm, _ := d.(map[string]any)
		v.enum(fmt.Sprintf("attributeDefinitions.%d.member.attributeType", i+1), dm["AttributeType"], "B", "N", "S")
	}
	ks, _ := in["KeySchema"].([]any)
	for i, k := range ks {
		km, _ := k.(map[string]any)
		v.enum(fmt.Sprintf("keySchema.%d.member.keyType", i+1), km["KeyType"], "HASH", "RANGE")
	}
	if in["KeySchema"] != nil && (len(ks) < 1 || len(ks) > 2) {
		v = append(v, fmt.Sprintf("Value '%s' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2", task.Text(in["KeySchema"])))
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	types := map[string]string{}
	var defNames []string
	for _, d := range defs {
		dm, _ := d.(map[string]any)
		name := task.Text(dm["AttributeName"])
		if _, dup := types[name]; dup {
			return nil, errInvalidParam("Duplicate AttributeName in AttributeDefinitions: %s", name)
		}
		types[name] = task.Text(dm["AttributeType"])
		defNames = append(defNames, name)
	}
	t := &table{name: task.Text(in["TableName"]), id: uuid.NewString(), parts: map[string]map[string]map[string]any{}}
	var keyNames []string
	for i, k := range ks {
		km, _ := k.(map[string]any)
		name, kt := task.Text(km["AttributeName"]), task.Text(km["KeyType"])
		keyNames = append(keyNames, name)
		if i == 0 && kt != "HASH" {
			return nil, errValidation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
		}
		if i == 1 && kt != "RANGE" {
			return nil, errValidation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
		}
		if i == 1 && name == t.hash.name {
			return nil, errValidation("Both the Hash Key and the Range Key element in the KeySchema have the same name")
		}
		if i == 0 {
			t.hash = keyAttr{name, types[name]}
		} else {
			t.rng = keyAttr{name, types[name]}
		}
	}
	for _, n := range keyNames {
		if _, ok := types[n]; !ok {
			return nil, errInvalidParam("Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]", strings.Join(keyNames, ", "), strings.Join(defNames, ", "))
		}
	}
	if len(defNames) != len(keyNames) && in["GlobalSecondaryIndexes"] == nil && in["LocalSecondaryIndexes"] == nil {
		return nil, errInvalidParam("Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
	}
	t.billing = "PROVISIONED"
	if b, _ := in["BillingMode"].(string); b != "" {
		t.billing = b
	}
	pt, _ := in["ProvisionedThroughput"].(map[string]any)
	switch {
	case t.billing == "PROVISIONED" && (pt["ReadCapacityUnits"] == nil || pt["WriteCapacityUnits"] == nil):
		return nil, errInvalidParam("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
	case t.billing == "PAY_PER_REQUEST" && pt != nil:
		return nil, errInvalidParam("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
	}
	t.read, t.write = json.Number("0"), json.Number("0")
	if t.billing == "PROVISIONED" {
		r, rok := pt["ReadCapacityUnits"].(json.Number)
		w, wok := pt["WriteCapacityUnits"].(json.Number)
		ri, rerr := r.Int64()
		wi, werr := w.Int64()
		if !rok || !wok || rerr != nil || werr != nil || ri < 1 || wi < 1 {
			return nil, errValidation("1 validation error detected: Value '%s' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1", task.Text(pt["ReadCapacityUnits"]))
		}
		t.read, t.write = json.Number(strconv.FormatInt(ri, 10)), json.Number(strconv.FormatInt(wi, 10))
	}
	t.attrDefs = copyValue(defs).([]any)
	t.keySchema = copyValue(ks).([]any)
	t.deleteProt, _ = in["DeletionProtectionEnabled"].(bool)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tables[t.name]; ok {
		return nil, &Error{Code: "ResourceInUseException", Message: "Table already exists: " + t.name, Status: 400}
	}
	t.created = s.cfg.Clock.Now()
	s.tables[t.name] = t
	s.persistTable(t)
	d := s.describe(t)
	d["TableStatus"] = "CREATING"
	return map[string]any{"TableDescription": d}, nil
}

func (s *Service) describe(t *table) map[string]any {
	created := json.Number(strconv.FormatFloat(float64(t.created.UnixMilli())/1000, 'f', 3, 64))
	d := map[string]any{
		"AttributeDefinitions": copyValue(t.attrDefs),
		"TableName":            t.name,
		"KeySchema":            copyValue(t.keySchema),
		"TableStatus":          "ACTIVE",
		"CreationDateTime":     created,
		"ProvisionedThroughput": map[string]any{
			"NumberOfDecreasesToday": json.Number("0"),
			"ReadCapacityUnits":      t.read,
			"WriteCapacityUnits":     t.write,
		},
		"TableSizeBytes":            json.Number(strconv.Itoa(t.sizeBytes)),
		"ItemCount":                 json.Number(strconv.Itoa(t.count)),
		"TableArn":                  s.arn(t.name),
		"TableId":                   t.id,
		"DeletionProtectionEnabled": t.deleteProt,
	}
	if t.billing == "PAY_PER_REQUEST" {
		d["BillingModeSummary"] = map[string]any{"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": created}
	}
	return d
}

func (s *Service) describeTable(in map[string]any) (map[string]any, *Error) {
	var v violations
	v.tableName(in["TableName"])
	if err := v.err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tables[task.Text(in["TableName"])]
	if !ok {
		return nil, &Error{Code: "ResourceNotFoundException", Message: "Requested resource not found: Table: " + task.Text(in["TableName"]) + " not found", Status: 400}
	}
	return map[string]any{"Table": s.describe(t)}, nil
}

func (s *Service) deleteTable(in map[string]any) (map[string]any, *Error) {
	var v violations
	v.tableName(in["TableName"])
	if err := v.err(); err != nil {
		return nil, err
	}
	name := task.Text(in["TableName"])
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tables[name]
	if !ok {
		return nil, &Error{Code: "ResourceNotFoundException", Message: "Requested resource not found: Table: " + name + " not found", Status: 400}
	}
	if t.deleteProt {
		return nil, errValidation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	}
	delete(s.tables, name)
	s.forgetTable(name)
	d := s.describe(t)
	d["TableStatus"] = "DELETING"
	return map[string]any{"TableDescription": d}, nil
}

func (s *Service) listTables(in map[string]any) (map[string]any, *Error) {
	limit := 100
	if l, ok := in["Limit"].(json.Number); ok {
		n, err := l.Int64()
		if err != nil || n < 1 || n > 100 {
			return nil, errValidation("1 validation error detected: Value '%s' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100", l)
		}
		limit = int(n)
	}
	start := task.Text(in["ExclusiveStartTableName"])
	s.mu.RLock()
	names := make([]string, 0, len(s.tables))
	for n := range s.tables {
		if n > start {
			names = append(names, n)
		}
	}
	s.mu.RUnlock()
	sort.Strings(names)
	out := map[string]any{}
	if len(names) > limit {
		names = names[:limit]
		out["LastEvaluatedTableName"] = names[limit-1]
	}
	list := make([]any, len(names))
	for i, n := range names {
		list[i] = n
	}
	out["TableNames"] = list
	return out, nil
}

// lookup returns the table; the caller holds s.mu.
func (s *Service) lookup(name string) (*table, *Error) {
	t, ok := s.tables[name]
	if !ok {
		return nil, errNotFound()
	}
	return t, nil
}

// checkItem validates an item's attribute values.
func checkItem(v any) (map[string]any, *Error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errValidation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
	}
	out := make(map[string]any, len(m))
	for k, a := range m {
		if k == "" {
			return nil, errInvalidParam("An AttributeValue may not contain an empty attribute name")
		}
		c, err := checkValue(a)
		if err != nil {
			return nil, err
		}
		out[k] = c
	}
	return out, nil
}

// itemKey returns the partition and sort key strings of an item or key; full tells whether key
// must hold exactly the key attributes (GetItem's Key) or may hold more (PutItem's Item).
func (t *table) itemKey(item map[string]any, full bool) (string, string, *Error) {
	mismatch := errValidation("The provided key element does not match the schema")
	if full {
		n := 1
		if t.rng.name != "" {
			n = 2
		}
		if len(item) != n {
			return "", "", mismatch
		}
	}
	var keys [2]string
	for i, ka := range []keyAttr{t.hash, t.rng} {
		if ka.name == "" {
			continue
		}
		v, ok := item[ka.name].(map[string]any)
		if !ok {
			if full {
				return "", "", mismatch
			}
			return "", "", errInvalidParam("Missing the key %s in the item", ka.name)
		}
		if typeOf(v) != ka.typ {
			if full {
				return "", "", mismatch
			}
			return "", "", errInvalidParam("Type mismatch for key %s expected: %s actual: %s", ka.name, ka.typ, typeOf(v))
		}
		if (ka.typ == "S" || ka.typ == "B") && task.Text(v[ka.typ]) == "" {
			kind := "string"
			if ka.typ == "B" {
				kind = "binary"
			}
			return "", "", errValidation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s", kind, ka.name)
		}
		keys[i] = keyString(v)
	}
	return keys[0], keys[1], nil
}

func (t *table) get(h, r string) map[string]any {
	return t.parts[h][r]
}

func (t *table) put(h, r string, item map[string]any) {
	p := t.parts[h]
	if p == nil {
		p = map[string]map[string]any{}
		t.parts[h] = p
	}
	if old, ok := p[r]; ok {
		t.sizeBytes -= itemSize(old)
	} else {
		t.count++
	}
	p[r] = item
	t.sizeBytes += itemSize(item)
	t.persistItem(h, r, item)
}

func (t *table) remove(h, r string) {
	p := t.parts[h]
	if old, ok := p[r]; ok {
		t.sizeBytes -= itemSize(old)
		t.count--
		delete(p, r)
		if len(p) == 0 {
			delete(t.parts, h)
		}
		t.forgetItem(h, r)
	}
}

const maxItemSize = 400 * 1024

// itemSize approximates DynamoDB's item size: attribute names plus value lengths.
func itemSize(item map[string]any) int {
	n := 0
	for k, v := range item {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v any) int {
	switch x := v.(type) {
	case map[string]any:
		n := 0
		for k, e := range x {
			n += len(k) + valueSize(e)
		}
		return n
	case []any:
		n := 0
		for _, e := range x {
			n += 1 + valueSize(e)
		}
		return n
	case string:
		return len(x)
	default:
		return 1
	}
}

// exprInput holds a request's parsed expressions.
type exprInput struct {
	env        *exprEnv
	condition  cond
	filter     cond
	keyCond    cond
	update     *update
	projection []docPath
}

// parseExpressions parses the named expression fields of in and checks the placeholders.
func parseExpressions(in map[string]any, fields ...string) (*exprInput, *Error) {
	names, _ := in["ExpressionAttributeNames"].(map[string]any)
	rawValues, _ := in["ExpressionAttributeValues"].(map[string]any)
	if in["ExpressionAttributeValues"] != nil && len(rawValues) == 0 {
		return nil, errValidation("ExpressionAttributeValues must not be empty")
	}
	if in["ExpressionAttributeNames"] != nil && len(names) == 0 {
		return nil, errValidation("ExpressionAttributeNames must not be empty")
	}
	values := make(map[string]any, len(rawValues))
	for k, v := range rawValues {
		if !strings.HasPrefix(k, ":") {
			return nil, errValidation("ExpressionAttributeValues contains invalid key: Syntax error; key: \"%s\"", k)
		}
		c, err := checkValue(v)
		if err != nil {
			return nil, errValidation("ExpressionAttributeValues contains invalid value: %s for key %s", err.Message, k)
		}
		values[k] = c
	}
	for k := range names {
		if !strings.HasPrefix(k, "#") {
			return nil, errValidation("ExpressionAttributeNames contains invalid key: Syntax error; key: \"%s\"", k)
		}
	}
	x := &exprInput{env: newEnv(names, values)}
	sawExpr := false
	for _, f := range fields {
		src, ok := in[f].(string)
		if !ok {
			if in[f] != nil {
				return nil, errValidation("Invalid %s: The expression can not be empty;", f)
			}
			continue
		}
		sawExpr = true
		var err *Error
		switch f {
		case "ConditionExpression":
			x.condition, err = parseCondition(f, src, x.env)
		case "FilterExpression":
			x.filter, err = parseCondition(f, src, x.env)
		case "KeyConditionExpression":
			x.keyCond, err = parseCondition(f, src, x.env)
		case "UpdateExpression":
			x.update, err = parseUpdate(src, x.env)
		case "ProjectionExpression":
			x.projection, err = parseProjection(src, x.env)
		}
		if err != nil {
			return nil, err
		}
	}
	if !sawExpr {
		if len(values) > 0 {
			return nil, errValidation("ExpressionAttributeValues can only be specified when using expressions")
		}
		if len(names) > 0 {
			return nil, errValidation("ExpressionAttributeNames can only be specified when using expressions")
		}
	}
	if unused := unusedKeys(values, x.env.usedValues); unused != "" {
		return nil, errValidation("Value provided in ExpressionAttributeValues unused in expressions: keys: {%s}", unused)
	}
	if unused := unusedKeys(names, x.env.usedNames); unused != "" {
		return nil, errValidation("Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}", unused)
	}
	return x, nil
}

func unusedKeys(m map[string]any, used map[string]bool) string {
	var out []string
	for k := range m {
		if !used[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func checkReturnValues(in map[string]any, allowed ...string) *Error {
	rv := in["ReturnValues"]
	if rv == nil {
		return nil
	}
	var v violations
	v.enum("returnValues", rv, "ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW")
	if err := v.err(); err != nil {
		return err
	}
	for _, a := range allowed {
		if rv == a {
			return nil
		}
	}
	return errValidation("ReturnValues can only be %s", strings.Join(allowed, " or "))
}

// conditionFailed builds the ConditionalCheckFailedException, with the item when the request
// asked for it through ReturnValuesOnConditionCheckFailure.
func conditionFailed(in map[string]any, old map[string]any) *Error {
	e := errConditionFailed()
	if in["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD" && old != nil {
		e.Item = copyValue(old).(map[string]any)
	}
	return e
}

func (s *Service) putItem(in map[string]any) (map[string]any, *Error) {
	var v violations
	v.tableName(in["TableName"])
	v.null("item", in["Item"])
	v.enum("returnValues", in["ReturnValues"], "ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW")
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkReturnValues(in, "ALL_OLD", "NONE"); err != nil {
		return nil, err
	}
	item, err := checkItem(in["Item"])
	if err != nil {
		return nil, err
	}
	x, err := parseExpressions(in, "ConditionExpression")
	if err != nil {
		return nil, err
	}
	if itemSize(item) > maxItemSize {
		return nil, errValidation("Item size has exceeded the maximum allowed size")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.lookup(task.Text(in["TableName"]))
	if err != nil {
		return nil, err
	}
	h, r, err := t.itemKey(item, false)
	if err != nil {
		return nil, err
	}
	old := t.get(h, r)
	if x.condition != nil {
		ok, err := evalCond(old, x.condition)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, conditionFailed(in, old)
		}
	}
	t.put(h, r, copyValue(item).(map[string]any))
	out := map[string]any{}
	if in["ReturnValues"] == "ALL_OLD" && old != nil {
		out["Attributes"] = old
	}
	return out, nil
}

func (s *Service) getItem(in map[string]any) (map[string]any, *Error) {
	var v violations
	v.tableName(in["TableName"])
	v.null("key", in["Key"])
	if err := v.err(); err != nil {
		return nil, err
	}
	key, err := checkItem(in["Key"])
	if err != nil {
		return nil, err
	}
	x, err := parseExpressions(in, "ProjectionExpression")
	if err != nil {
		return nil, err
	}
	if x.projection == nil {
		if x.projection, err = attributesToGet(in); err != nil {
			return nil, err
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.lookup(task.Text(in["TableName"]))
	if err != nil {
		return nil, err
	}
	h, r, err := t.itemKey(key, true)
	if err != nil {
		return nil, err
	}
	item := t.get(h, r)
	if item == nil {
		return map[string]any{}, nil
	}
	if x.projection != nil {
		return map[string]any{"Item": project(item, x.projection)}, nil
	}
	return map[string]any{"Item": copyValue(item)}, nil
}

func (s *Service) deleteItem(in map[string]any) (map[string]any, *Error) {
	var v violations
	v.tableName(in["TableName"])
	v.null("key", in["Key"])
	v.enum("returnValues", in["ReturnValues"], "ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW")
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkReturnValues(in, "ALL_OLD", "NONE"); err != nil {
		return nil, err
	}
	key, err := checkItem(in["Key"])
	if err != nil {
		return nil, err
	}
	x, err := parseExpressions(in, "ConditionExpression")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.lookup(task.Text(in["TableName"]))
	if err != nil {
		return nil, err
	}
	h, r, err := t.itemKey(key, true)
	if err != nil {
		return nil, err
	}
	old := t.get(h, r)
	if x.condition != nil {
		ok, err := evalCond(old, x.condition)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, conditionFailed(in, old)
		}
	}
	t.remove(h, r)
	out := map[string]any{}
	if in["ReturnValues"] == "ALL_OLD" && old != nil {
		out["Attributes"] = old
	}
	return out, nil
}

func (s *Service) updateItem(in map[string]any) (map[string]any, *Error) {
	var v violations
	v.tableName(in["TableName"])
	v.null("key", in["Key"])
	v.enum("returnValues", in["ReturnValues"], "ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW")
	if err := v.err(); err != nil {
		return nil, err
	}
	key, err := checkItem(in["Key"])
	if err != nil {
		return nil, err
	}
	x, err := parseExpressions(in, "UpdateExpression", "ConditionExpression")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.lookup(task.Text(in["TableName"]))
	if err != nil {
		return nil, err
	}
	h, r, err := t.itemKey(key, true)
	if err != nil {
		return nil, err
	}
	if x.update != nil {
		for _, p := range x.update.paths() {
			if p[0].name == t.hash.name || p[0].name == t.rng.name {
				return nil, errInvalidParam("Cannot update attribute %s. This attribute is part of the key", p[0].name)
			}
		}
	}
	old := t.get(h, r)
	if x.condition != nil {
		ok, err := evalCond(old, x.condition)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, conditionFailed(in, old)
		}
	}
	base := old
	if base == nil {
		base = copyValue(key).(map[string]any)
	}
	next := base
	if x.update != nil {
		if next, err = applyUpdate(base, x.update); err != nil {
			return nil, err
		}
	}
	if itemSize(next) > maxItemSize {
		return nil, errValidation("Item size to update has exceeded the maximum allowed size")
	}
	t.put(h, r, next)
	out := map[string]any{}
	var attrs map[string]any
	switch in["ReturnValues"] {
	case "ALL_OLD":
		attrs = old
	case "ALL_NEW":
		attrs = next
	case "UPDATED_OLD", "UPDATED_NEW":
		src := next
		if in["ReturnValues"] == "UPDATED_OLD" {
			src = old
		}
		// The updated paths only; a path through a list index returns the whole attribute.
		var paths []docPath
		if x.update != nil {
			for _, p := range x.update.paths() {
				if hasIndex(p) {
					p = p[:1]
				}
				paths = append(paths, p)
			}
		}
		attrs = project(src, paths)
	}
	if len(attrs) > 0 {
		out["Attributes"] = copyValue(attrs)
	}
	return out, nil
}

// keyCondition is a Query's KeyConditionExpression split into its partition-key value and an
// optional sort-key condition.
type keyCondition struct {
	hash  map[string]any
	rng   cond
	hasRn bool
}

func (s *Service) splitKeyCondition(t *table, c cond) (*keyCondition, *Error) {
	var parts []cond
	var walk func(c cond) *Error
	walk = func(c cond) *Error {
		switch x := c.(type) {
		case *andCond:
			if err := walk(x.a); err != nil {
				return err
			}
			return walk(x.b)
		case *orCond, *notCond, *inCond:
			return errValidation("Invalid operator used in KeyConditionExpression: %s", condOp(c))
		}
		parts = append(parts, c)
		return nil
	}
	if err := walk(c); err != nil {
		return nil, err
	}
	if len(parts) > 2 {
		return nil, errValidation("Conditions can be of length 1 or 2 only")
	}
	kc := &keyCondition{}
	for _, p := range parts {
		name := condAttr(p)
		switch {
		case name == t.hash.name:
			cmp, ok := p.(*cmpCond)
			if !ok || cmp.op != "=" {
				return nil, errValidation("Query key condition not supported")
			}
			v, ok := cmp.b.(*valueOperand)
			if !ok || typeOf(v.value) != t.hash.typ {
				return nil, errValidation("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
			kc.hash = v.value
		case name != "" && name == t.rng.name:
			switch x := p.(type) {
			case *cmpCond:
				if x.op == "<>" {
					return nil, errValidation("Unsupported operator on KeyConditionExpression: operator: <>")
				}
			case *funcCond:
				if x.name != "begins_with" {
					return nil, errValidation("Invalid KeyConditionExpression: Invalid function name; function: %s", x.name)
				}
			}
			kc.rng, kc.hasRn = p, true
		default:
			if name == "" {
				return nil, errValidation("Invalid KeyConditionExpression: Syntax error")
			}
			return nil, errValidation("Query condition missed key schema element: %s", t.hash.name)
		}
	}
	if kc.hash == nil {
		return nil, errValidation("Query condition missed key schema element: %s", t.hash.name)
	}
	return kc, nil
}

func condOp(c cond) string {
	switch c.(type) {
	case *orCond:
		return "OR"
	case *notCond:
		return "NOT"
	case *inCond:
		return "IN"
	}
	return "?"
}

// condAttr returns the single top-level attribute a key condition tests, or "".
func condAttr(c cond) string {
	var o operand
	switch x := c.(type) {
	case *cmpCond:
		o = x.a
	case *betweenCond:
		o = x.a
	case *funcCond:
		if len(x.path) == 1 {
			return x.path[0].name
		}
		return ""
	}
	if p, ok := o.(*pathOperand); ok && len(p.path) == 1 {
		return p.path[0].name
	}
	return ""
}

// query runs Query, or Scan when scan is set.
func (s *Service) query(in map[string]any, scan bool) (map[string]any, *Error) {
	var v violations
	v.tableName(in["TableName"])
	v.enum("select", in["Select"], "SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES")
	limit := 0
	if l, ok := in["Limit"].(json.Number); ok {
		n, err := l.Int64()
		if err != nil || n < 1 {
			v = append(v, fmt.Sprintf("Value '%s' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", l))
		}
		limit = int(n)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	fields := []string{"FilterExpression", "ProjectionExpression"}
	if !scan {
		fields = append(fields, "KeyConditionExpression")
		if in["KeyConditionExpression"] == nil {
			return nil, errValidation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
		}
	}
	x, err := parseExpressions(in, fields...)
	if err != nil {
		return nil, err
	}
	if x.projection == nil {
		if x.projection, err = attributesToGet(in); err != nil {
			return nil, err
		}
	}
	if in["IndexName"] != nil {
		return nil, errValidation("The table does not have the specified index: %s", task.Text(in["IndexName"]))
	}
	sel, _ := in["Select"].(string)
	if sel == "SPECIFIC_ATTRIBUTES" && x.projection == nil {
		return nil, errValidation("1 validation error detected: SPECIFIC_ATTRIBUTES requires ProjectionExpression or AttributesToGet")
	}
	if sel != "" && sel != "SPECIFIC_ATTRIBUTES" && x.projection != nil {
		return nil, errValidation("Cannot specify the AttributesToGet or ProjectionExpression when choosing to get %s", sel)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.lookup(task.Text(in["TableName"]))
	if err != nil {
		return nil, err
	}
	var kc *keyCondition
	if !scan {
		if kc, err = s.splitKeyCondition(t, x.keyCond); err != nil {
			return nil, err
		}
	}
	var startH, startR string
	hasStart := false
	if es, ok := in["ExclusiveStartKey"].(map[string]any); ok {
		key, err := checkItem(es)
		if err != nil {
			return nil, err
		}
		if startH, startR, err = t.itemKey(key, true); err != nil {
			return nil, errValidation("The provided starting key is invalid: The provided key element does not match the schema")
		}
		hasStart = true
	}
	var hashes []string
	if scan {
		hashes = make([]string, 0, len(t.parts))
		for h := range t.parts {
			hashes = append(hashes, h)
		}
		sort.Strings(hashes)
	} else {
		hashes = []string{keyString(kc.hash)}
	}
	forward := in["ScanIndexForward"] != false
	items := []any{}
	scanned, matched := 0, 0
	var last map[string]any
	more := false
	skipping := hasStart
outer:
	for _, h := range hashes {
		if skipping && scan && h < startH {
			continue
		}
		rows := t.sortedRows(h, forward)
		for _, item := range rows {
			hk, rk, _ := t.itemKey(item, false)
			if skipping {
				if hk == startH && rk == startR {
					skipping = false
				}
				continue
			}
			if kc != nil && kc.hasRn {
				ok, err := evalCond(item, kc.rng)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
			}
			if limit > 0 && scanned == limit {
				more = true
				break outer
			}
			scanned++
			last = item
			if x.filter != nil {
				ok, err := evalCond(item, x.filter)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
			}
			matched++
			if sel != "COUNT" {
				if x.projection != nil {
					items = append(items, project(item, x.projection))
				} else {
					items = append(items, copyValue(item))
				}
			}
		}
		skipping = false
	}
	out := map[string]any{
		"Count":        json.Number(strconv.Itoa(matched)),
		"ScannedCount": json.Number(strconv.Itoa(scanned)),
	}
	if sel != "COUNT" {
		out["Items"] = items
	}
	if more && last != nil {
		lek := map[string]any{t.hash.name: copyValue(last[t.hash.name])}
		if t.rng.name != "" {
			lek[t.rng.name] = copyValue(last[t.rng.name])
		}
		out["LastEvaluatedKey"] = lek
	}
	return out, nil
}

// sortedRows returns a partition's items in sort-key order.
func (t *table) sortedRows(h string, forward bool) []map[string]any {
	p := t.parts[h]
	rows := make([]map[string]any, 0, len(p))
	for _, item := range p {
		rows = append(rows, item)
	}
	if t.rng.name != "" {
		sort.Slice(rows, func(i, j int) bool {
			a, _ := rows[i][t.rng.name].(map[string]any)
			b, _ := rows[j][t.rng.name].(map[string]any)
			c, _ := compare(a, b)
			if forward {
				return c < 0
			}
			return c > 0
		})
	}
	return rows
}

// encode writes v as JSON without HTML escaping.
func encode(v any) ([]byte, error) { return task.Encode(v) }

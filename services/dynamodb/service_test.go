package dynamodb

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// step is one API call and what it must return: the output as JSON, or the error code and
// message.
type step struct {
	op, in  string
	out     string // JSON the output must equal, when set
	errCode string
	errMsg  string
}

func decodeMap(t *testing.T, s string) map[string]any {
	t.Helper()
	v, err := task.DecodePlain([]byte(s))
	require.NoError(t, err)
	m, ok := v.(map[string]any)
	require.True(t, ok, "not an object: %s", s)
	return m
}

func runSteps(t *testing.T, s *Service, steps []step) {
	t.Helper()
	for i, st := range steps {
		out, err := s.Do(st.op, decodeMap(t, st.in))
		if st.errCode != "" {
			require.Error(t, err, "step %d %s", i, st.op)
			e, ok := err.(*Error)
			require.True(t, ok)
			require.Equal(t, st.errCode, e.Code, "step %d %s: %s", i, st.op, e.Message)
			if st.errMsg != "" {
				require.Equal(t, st.errMsg, e.Message, "step %d %s", i, st.op)
			}
			continue
		}
		require.NoError(t, err, "step %d %s", i, st.op)
		if st.out != "" {
			got, err := task.Encode(out)
			require.NoError(t, err)
			require.JSONEq(t, st.out, string(got), "step %d %s", i, st.op)
		}
	}
}

const (
	createSimple = `{"TableName":"tb1","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`
	createRange  = `{"TableName":"tb2","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],"ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5}}`
)

func TestItems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		steps []step
	}{
		{"put get delete", []step{
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"},"n":{"N":"1.50"},"m":{"M":{"x":{"L":[{"BOOL":true},{"NULL":true}]}}}}}`, out: `{}`},
			{op: "GetItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}}}`, out: `{"Item":{"id":{"S":"a"},"n":{"N":"1.5"},"m":{"M":{"x":{"L":[{"BOOL":true},{"NULL":true}]}}}}}`},
			{op: "GetItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"ProjectionExpression":"#n, m.x","ExpressionAttributeNames":{"#n":"n"}}`, out: `{"Item":{"n":{"N":"1.5"},"m":{"M":{"x":{"L":[{"BOOL":true},{"NULL":true}]}}}}}`},
			{op: "DeleteItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"ReturnValues":"ALL_OLD"}`, out: `{"Attributes":{"id":{"S":"a"},"n":{"N":"1.5"},"m":{"M":{"x":{"L":[{"BOOL":true},{"NULL":true}]}}}}}`},
			{op: "GetItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}}}`, out: `{}`},
		}},
		{"put replaces and returns old", []step{
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"},"v":{"S":"1"}}}`},
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"},"w":{"S":"2"}},"ReturnValues":"ALL_OLD"}`, out: `{"Attributes":{"id":{"S":"a"},"v":{"S":"1"}}}`},
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"}},"ReturnValues":"ALL_NEW"}`, errCode: "ValidationException", errMsg: "ReturnValues can only be ALL_OLD or NONE"},
		}},
		{"legacy parameters and capacity", []step{
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"},"x":{"S":"1"},"y":{"S":"2"}},"ReturnConsumedCapacity":"TOTAL"}`, out: `{"ConsumedCapacity":{"TableName":"tb1","CapacityUnits":1.0}}`},
			{op: "GetItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"AttributesToGet":["x"]}`, out: `{"Item":{"x":{"S":"1"}}}`},
			{op: "GetItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"AttributesToGet":["x"],"ProjectionExpression":"y"}`, errCode: "ValidationException", errMsg: "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}"},
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"}},"Expected":{"id":{"Exists":false}}}`, errCode: "ValidationException"},
			{op: "UpdateItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"UpdateExpression":"SET m = :m","ExpressionAttributeValues":{":m":{"M":{"p":{"S":"1"},"q":{"S":"2"}}}}}`},
			{op: "UpdateItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"UpdateExpression":"SET m.q = :v","ExpressionAttributeValues":{":v":{"S":"3"}},"ReturnValues":"UPDATED_NEW"}`, out: `{"Attributes":{"m":{"M":{"q":{"S":"3"}}}}}`},
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"},"s":{"NS":[]}}}`, errCode: "ValidationException", errMsg: "One or more parameter values were invalid: An number set  may not be empty"},
		}},
		{"batch", []step{
			{op: "BatchWriteItem", in: `{"RequestItems":{"tb1":[{"PutRequest":{"Item":{"id":{"S":"a"},"v":{"N":"1"}}}},{"PutRequest":{"Item":{"id":{"S":"b"}}}}]}}`, out: `{"UnprocessedItems":{}}`},
			{op: "BatchWriteItem", in: `{"RequestItems":{"tb1":[{"PutRequest":{"Item":{"id":{"S":"c"}}}},{"DeleteRequest":{"Key":{"id":{"S":"c"}}}}]}}`, errCode: "ValidationException", errMsg: "Provided list of item keys contains duplicates"},
			{op: "BatchWriteItem", in: `{"RequestItems":{"nope":[{"DeleteRequest":{"Key":{"id":{"S":"c"}}}}]}}`, errCode: "ResourceNotFoundException"},
			{op: "BatchWriteItem", in: `{"RequestItems":{"tb1":[{"DeleteRequest":{"Key":{"id":{"S":"b"}}}}]}}`, out: `{"UnprocessedItems":{}}`},
			{op: "BatchGetItem", in: `{"RequestItems":{"tb1":{"Keys":[{"id":{"S":"a"}},{"id":{"S":"b"}}],"ProjectionExpression":"v"}}}`, out: `{"Responses":{"tb1":[{"v":{"N":"1"}}]},"UnprocessedKeys":{}}`},
		}},
		{"key validation", []step{
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"x":{"S":"a"}}}`, errCode: "ValidationException", errMsg: "One or more parameter values were invalid: Missing the key id in the item"},
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"N":"1"}}}`, errCode: "ValidationException", errMsg: "One or more parameter values were invalid: Type mismatch for key id expected: S actual: N"},
			{op: "GetItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"},"x":{"S":"b"}}}`, errCode: "ValidationException", errMsg: "The provided key element does not match the schema"},
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":""}}}`, errCode: "ValidationException", errMsg: "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id"},
			{op: "PutItem", in: `{"TableName":"nope","Item":{"id":{"S":"a"}}}`, errCode: "ResourceNotFoundException", errMsg: "Requested resource not found"},
			{op: "PutItem", in: `{"TableName":"tb1"}`, errCode: "ValidationException", errMsg: "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null"},
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"},"n":{"N":"abc"}}}`, errCode: "ValidationException", errMsg: "A value provided cannot be converted into a number"},
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"},"s":{"SS":["x","x"]}}}`, errCode: "ValidationException"},
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"},"s":{"S":"x","N":"1"}}}`, errCode: "ValidationException", errMsg: "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"},
		}},
		{"conditions", []step{
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"},"n":{"N":"5"},"s":{"S":"hello"},"tags":{"SS":["x","y"]},"l":{"L":[{"S":"e"}]}},"ConditionExpression":"attribute_not_exists(id)"}`},
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"}},"ConditionExpression":"attribute_not_exists(id)"}`, errCode: "ConditionalCheckFailedException", errMsg: "The conditional request failed"},
			{op: "DeleteItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"ConditionExpression":"n > :v AND NOT begins_with(s, :p)","ExpressionAttributeValues":{":v":{"N":"4"},":p":{"S":"he"}}}`, errCode: "ConditionalCheckFailedException"},
			{op: "DeleteItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"ConditionExpression":"(n BETWEEN :lo AND :hi) AND contains(tags, :t) AND contains(l, :e) AND size(s) = :five AND attribute_type(n, :ty) AND s IN (:a, :b)","ExpressionAttributeValues":{":lo":{"N":"1"},":hi":{"N":"4"},":t":{"S":"y"},":e":{"S":"e"},":five":{"N":"5"},":ty":{"S":"N"},":a":{"S":"zz"},":b":{"S":"hello"}}}`, errCode: "ConditionalCheckFailedException"},
			{op: "GetItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"ProjectionExpression":"id"}`, out: `{"Item":{"id":{"S":"a"}}}`},
			{op: "DeleteItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"ConditionExpression":"(n BETWEEN :lo AND :hi) AND contains(tags, :t) AND contains(l, :e) AND size(s) = :five AND attribute_type(n, :ty) AND s IN (:a, :b)","ExpressionAttributeValues":{":lo":{"N":"1"},":hi":{"N":"10"},":t":{"S":"y"},":e":{"S":"e"},":five":{"N":"5"},":ty":{"S":"N"},":a":{"S":"zz"},":b":{"S":"hello"}}}`, out: `{}`},
			{op: "GetItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}}}`, out: `{}`},
		}},
		{"condition failure returns old item", []step{
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"},"v":{"N":"1"}}}`},
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"}},"ConditionExpression":"v = :two","ExpressionAttributeValues":{":two":{"N":"2"}},"ReturnValuesOnConditionCheckFailure":"ALL_OLD"}`, errCode: "ConditionalCheckFailedException"},
		}},
		{"expression attribute checks", []step{
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"}},"ConditionExpression":"attribute_exists(id)","ExpressionAttributeValues":{":x":{"S":"a"}}}`, errCode: "ValidationException", errMsg: "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"},
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"}},"ConditionExpression":"#a = :x"}`, errCode: "ValidationException", errMsg: "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #a"},
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"}},"ConditionExpression":"id = :x"}`, errCode: "ValidationException", errMsg: "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :x"},
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"}},"ExpressionAttributeValues":{":x":{"S":"a"}}}`, errCode: "ValidationException", errMsg: "ExpressionAttributeValues can only be specified when using expressions"},
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"}},"ConditionExpression":"id = "}`, errCode: "ValidationException", errMsg: `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "id = "`},
			{op: "UpdateItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"UpdateExpression":"SET status = :s","ExpressionAttributeValues":{":s":{"S":"x"}}}`, errCode: "ValidationException", errMsg: "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status"},
			{op: "UpdateItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"UpdateExpression":"SET #s = :s","ExpressionAttributeNames":{"#s":"status"},"ExpressionAttributeValues":{":s":{"S":"x"}}}`},
			{op: "UpdateItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"UpdateExpression":"SET #s = :s","ExpressionAttributeNames":{"#s":"status","#u":"unused"},"ExpressionAttributeValues":{":s":{"S":"x"}}}`, errCode: "ValidationException", errMsg: "Value provided in ExpressionAttributeNames unused in expressions: keys: {#u}"},
			{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"}},"ConditionExpression":"foo(id)"}`, errCode: "ValidationException", errMsg: "Invalid ConditionExpression: Invalid function name; function: foo"},
		}},
		{"update expressions", []step{
			{op: "UpdateItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"UpdateExpression":"SET c = if_not_exists(c, :zero) + :one, l = list_append(if_not_exists(l, :empty), :l), m = :m","ExpressionAttributeValues":{":zero":{"N":"0"},":one":{"N":"1"},":empty":{"L":[]},":l":{"L":[{"S":"x"}]},":m":{"M":{"k":{"S":"v"}}}},"ReturnValues":"ALL_NEW"}`,
				out: `{"Attributes":{"id":{"S":"a"},"c":{"N":"1"},"l":{"L":[{"S":"x"}]},"m":{"M":{"k":{"S":"v"}}}}}`},
			{op: "UpdateItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"UpdateExpression":"SET c = c + :d, m.k2 = :s, l[5] = :s REMOVE m.k ADD tags :tags, tot :d","ExpressionAttributeValues":{":d":{"N":"0.25"},":s":{"S":"y"},":tags":{"SS":["b","a"]}},"ReturnValues":"UPDATED_NEW"}`,
				out: `{"Attributes":{"c":{"N":"1.25"},"m":{"M":{"k2":{"S":"y"}}},"l":{"L":[{"S":"x"},{"S":"y"}]},"tags":{"SS":["a","b"]},"tot":{"N":"0.25"}}}`},
			{op: "UpdateItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"UpdateExpression":"DELETE tags :t REMOVE l[0]","ExpressionAttributeValues":{":t":{"SS":["a"]}},"ReturnValues":"UPDATED_OLD"}`,
				out: `{"Attributes":{"tags":{"SS":["a","b"]},"l":{"L":[{"S":"x"},{"S":"y"}]}}}`},
			{op: "GetItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}}}`, out: `{"Item":{"id":{"S":"a"},"c":{"N":"1.25"},"l":{"L":[{"S":"y"}]},"m":{"M":{"k2":{"S":"y"}}},"tags":{"SS":["b"]},"tot":{"N":"0.25"}}}`},
			{op: "UpdateItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"UpdateExpression":"SET id = :s","ExpressionAttributeValues":{":s":{"S":"y"}}}`, errCode: "ValidationException", errMsg: "One or more parameter values were invalid: Cannot update attribute id. This attribute is part of the key"},
			{op: "UpdateItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"UpdateExpression":"SET x = nope + :s","ExpressionAttributeValues":{":s":{"N":"1"}}}`, errCode: "ValidationException", errMsg: "The provided expression refers to an attribute that does not exist in the item"},
			{op: "UpdateItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"UpdateExpression":"SET m = :s, m.k = :s","ExpressionAttributeValues":{":s":{"N":"1"}}}`, errCode: "ValidationException", errMsg: "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m], path two: [m, k]"},
			{op: "UpdateItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"UpdateExpression":"SET c = c + :s","ExpressionAttributeValues":{":s":{"S":"1"}}}`, errCode: "ValidationException", errMsg: "An operand in the update expression has an incorrect data type"},
			{op: "UpdateItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"UpdateExpression":"SET a = :s SET b = :s","ExpressionAttributeValues":{":s":{"S":"1"}}}`, errCode: "ValidationException", errMsg: `Invalid UpdateExpression: The "SET" section can only be used once in an update expression;`},
			{op: "UpdateItem", in: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"UpdateExpression":"SET x.y = :s","ExpressionAttributeValues":{":s":{"S":"1"}}}`, errCode: "ValidationException", errMsg: "The document path provided in the update expression is invalid for update"},
			{op: "UpdateItem", in: `{"TableName":"tb1","Key":{"id":{"S":"new"}},"ConditionExpression":"attribute_exists(id)","UpdateExpression":"SET x = :s","ExpressionAttributeValues":{":s":{"S":"1"}}}`, errCode: "ConditionalCheckFailedException"},
			{op: "UpdateItem", in: `{"TableName":"tb1","Key":{"id":{"S":"new"}}}`, out: `{}`},
			{op: "GetItem", in: `{"TableName":"tb1","Key":{"id":{"S":"new"}}}`, out: `{"Item":{"id":{"S":"new"}}}`},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := New(Config{})
			runSteps(t, s, []step{{op: "CreateTable", in: createSimple}})
			runSteps(t, s, tc.steps)
		})
	}
}

func TestTables(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		steps []step
	}{
		{"lifecycle", []step{
			{op: "CreateTable", in: createSimple},
			{op: "CreateTable", in: createSimple, errCode: "ResourceInUseException", errMsg: "Table already exists: tb1"},
			{op: "CreateTable", in: createRange},
			{op: "ListTables", in: `{}`, out: `{"TableNames":["tb1","tb2"]}`},
			{op: "ListTables", in: `{"Limit":1}`, out: `{"TableNames":["tb1"],"LastEvaluatedTableName":"tb1"}`},
			{op: "ListTables", in: `{"ExclusiveStartTableName":"tb1"}`, out: `{"TableNames":["tb2"]}`},
			{op: "DeleteTable", in: `{"TableName":"tb1"}`},
			{op: "DescribeTable", in: `{"TableName":"tb1"}`, errCode: "ResourceNotFoundException", errMsg: "Requested resource not found: Table: tb1 not found"},
			{op: "ListTables", in: `{}`, out: `{"TableNames":["tb2"]}`},
		}},
		{"create validation", []step{
			{op: "CreateTable", in: `{"TableName":"tb1","AttributeDefinitions":[]}`, errCode: "ValidationException", errMsg: "1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null"},
			{op: "CreateTable", in: `{"TableName":"x","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`, errCode: "ValidationException", errMsg: "1 validation error detected: Value 'x' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"},
			{op: "CreateTable", in: `{"TableName":"tb1","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"other","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`, errCode: "ValidationException", errMsg: "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [id], AttributeDefinitions: [other]"},
			{op: "CreateTable", in: `{"TableName":"tb1","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"x","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`, errCode: "ValidationException", errMsg: "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"},
			{op: "CreateTable", in: `{"TableName":"tb1","KeySchema":[{"AttributeName":"id","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`, errCode: "ValidationException", errMsg: "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"},
			{op: "CreateTable", in: `{"TableName":"tb1","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"X"}],"BillingMode":"PAY_PER_REQUEST"}`, errCode: "ValidationException", errMsg: "1 validation error detected: Value 'X' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]"},
			{op: "CreateTable", in: `{"TableName":"tb1","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}]}`, errCode: "ValidationException", errMsg: "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runSteps(t, New(Config{}), tc.steps)
		})
	}
}

func TestQueryScan(t *testing.T) {
	t.Parallel()
	seed := []step{{op: "CreateTable", in: createRange}}
	for _, it := range []string{
		`{"pk":{"S":"a"},"sk":{"N":"10"},"v":{"S":"x"}}`,
		`{"pk":{"S":"a"},"sk":{"N":"2"},"v":{"S":"y"}}`,
		`{"pk":{"S":"a"},"sk":{"N":"33"},"v":{"S":"x"}}`,
		`{"pk":{"S":"b"},"sk":{"N":"1"},"v":{"S":"x"}}`,
	} {
		seed = append(seed, step{op: "PutItem", in: `{"TableName":"tb2","Item":` + it + `}`})
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"query sorted", []step{{op: "Query", in: `{"TableName":"tb2","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"ProjectionExpression":"sk"}`,
			out: `{"Items":[{"sk":{"N":"2"}},{"sk":{"N":"10"}},{"sk":{"N":"33"}}],"Count":3,"ScannedCount":3}`}}},
		{"query backwards with range", []step{{op: "Query", in: `{"TableName":"tb2","KeyConditionExpression":"sk >= :lo AND #p = :p","ExpressionAttributeNames":{"#p":"pk"},"ExpressionAttributeValues":{":p":{"S":"a"},":lo":{"N":"5"}},"ScanIndexForward":false,"ProjectionExpression":"sk"}`,
			out: `{"Items":[{"sk":{"N":"33"}},{"sk":{"N":"10"}}],"Count":2,"ScannedCount":2}`}}},
		{"query filter and count", []step{{op: "Query", in: `{"TableName":"tb2","KeyConditionExpression":"pk = :p AND sk BETWEEN :a AND :b","FilterExpression":"v = :x","ExpressionAttributeValues":{":p":{"S":"a"},":a":{"N":"1"},":b":{"N":"40"},":x":{"S":"x"}},"Select":"COUNT"}`,
			out: `{"Count":2,"ScannedCount":3}`}}},
		{"query paginated", []step{
			{op: "Query", in: `{"TableName":"tb2","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"Limit":2,"ProjectionExpression":"sk"}`,
				out: `{"Items":[{"sk":{"N":"2"}},{"sk":{"N":"10"}}],"Count":2,"ScannedCount":2,"LastEvaluatedKey":{"pk":{"S":"a"},"sk":{"N":"10"}}}`},
			{op: "Query", in: `{"TableName":"tb2","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"Limit":2,"ProjectionExpression":"sk","ExclusiveStartKey":{"pk":{"S":"a"},"sk":{"N":"10"}}}`,
				out: `{"Items":[{"sk":{"N":"33"}}],"Count":1,"ScannedCount":1}`},
		}},
		{"query errors", []step{
			{op: "Query", in: `{"TableName":"tb2","KeyConditionExpression":"sk = :p","ExpressionAttributeValues":{":p":{"N":"1"}}}`, errCode: "ValidationException", errMsg: "Query condition missed key schema element: pk"},
			{op: "Query", in: `{"TableName":"tb2","KeyConditionExpression":"pk = :p OR sk = :p","ExpressionAttributeValues":{":p":{"S":"a"}}}`, errCode: "ValidationException", errMsg: "Invalid operator used in KeyConditionExpression: OR"},
			{op: "Query", in: `{"TableName":"tb2"}`, errCode: "ValidationException", errMsg: "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."},
		}},
		{"scan filter", []step{{op: "Scan", in: `{"TableName":"tb2","FilterExpression":"v = :x","ExpressionAttributeValues":{":x":{"S":"x"}},"ProjectionExpression":"pk, sk"}`,
			out: `{"Items":[{"pk":{"S":"a"},"sk":{"N":"10"}},{"pk":{"S":"a"},"sk":{"N":"33"}},{"pk":{"S":"b"},"sk":{"N":"1"}}],"Count":3,"ScannedCount":4}`}}},
		{"scan paginated", []step{
			{op: "Scan", in: `{"TableName":"tb2","Limit":3,"ProjectionExpression":"sk"}`, out: `{"Items":[{"sk":{"N":"2"}},{"sk":{"N":"10"}},{"sk":{"N":"33"}}],"Count":3,"ScannedCount":3,"LastEvaluatedKey":{"pk":{"S":"a"},"sk":{"N":"33"}}}`},
			{op: "Scan", in: `{"TableName":"tb2","Limit":3,"ProjectionExpression":"sk","ExclusiveStartKey":{"pk":{"S":"a"},"sk":{"N":"33"}}}`, out: `{"Items":[{"sk":{"N":"1"}}],"Count":1,"ScannedCount":1}`},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := New(Config{})
			runSteps(t, s, seed)
			runSteps(t, s, tc.steps)
		})
	}
}

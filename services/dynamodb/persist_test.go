package dynamodb

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func durableService(t *testing.T, db *storage.DB) *Service {
	t.Helper()
	s := New(Config{Clock: clock.NewFake(time.Date(2024, 4, 18, 6, 27, 1, 0, time.UTC)), DB: db})
	require.NoError(t, s.LoadError())
	return s
}

// dynamoSnapshot is every read-only answer about the service's tables: ListTables,
// DescribeTable and a Scan of each table.
func dynamoSnapshot(t *testing.T, s *Service) string {
	t.Helper()
	list, err := s.Do("ListTables", map[string]any{})
	require.NoError(t, err)
	out := map[string]any{"ListTables": list}
	for _, n := range list["TableNames"].([]any) {
		d, err := s.Do("DescribeTable", map[string]any{"TableName": n})
		require.NoError(t, err)
		scan, err := s.Do("Scan", map[string]any{"TableName": n})
		require.NoError(t, err)
		items := scan["Items"].([]any)
		keys := make([]string, len(items))
		for i, it := range items {
			b, err := task.Encode(it)
			require.NoError(t, err)
			keys[i] = string(b)
		}
		sort.Strings(keys)
		out[fmt.Sprint(n)] = []any{d, keys, scan["Count"]}
	}
	b, err := task.Encode(out)
	require.NoError(t, err)
	return string(b)
}

func TestDurableRestart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		steps []step
		after []step // run on the restarted service
	}{
		{"tables", []step{
			{op: "CreateTable", in: createSimple},
			{op: "CreateTable", in: createRange},
			{op: "CreateTable", in: `{"TableName":"gone","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST","DeletionProtectionEnabled":false}`},
			{op: "PutItem", in: `{"TableName":"gone","Item":{"id":{"S":"x"}}}`},
			{op: "DeleteTable", in: `{"TableName":"gone"}`},
			{op: "CreateTable", in: `{"TableName":"kept","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"B"}],"BillingMode":"PAY_PER_REQUEST","DeletionProtectionEnabled":true}`},
		}, []step{
			{op: "DeleteTable", in: `{"TableName":"kept"}`, errCode: "ValidationException"},
			{op: "GetItem", in: `{"TableName":"gone","Key":{"id":{"S":"x"}}}`, errCode: "ResourceNotFoundException"},
		}},
		{"items put, updated and deleted", []step{
			{op: "CreateTable", in: createRange},
			{op: "PutItem", in: `{"TableName":"tb2","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"m":{"M":{"l":{"L":[{"N":"1.50"},{"BOOL":true},{"NULL":true}]}}},"ss":{"SS":["x","y"]},"b":{"B":"AAEC"}}}`},
			{op: "PutItem", in: `{"TableName":"tb2","Item":{"pk":{"S":"a"},"sk":{"N":"2"},"v":{"S":"two"}}}`},
			{op: "PutItem", in: `{"TableName":"tb2","Item":{"pk":{"S":"b"},"sk":{"N":"-3"},"v":{"S":"three"}}}`},
			{op: "UpdateItem", in: `{"TableName":"tb2","Key":{"pk":{"S":"a"},"sk":{"N":"2"}},"UpdateExpression":"SET v = :v, c = if_not_exists(c, :z) + :one","ExpressionAttributeValues":{":v":{"S":"TWO"},":z":{"N":"0"},":one":{"N":"1"}}}`},
			{op: "BatchWriteItem", in: `{"RequestItems":{"tb2":[{"PutRequest":{"Item":{"pk":{"S":"c"},"sk":{"N":"9"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"b"},"sk":{"N":"-3"}}}}]}}`},
			{op: "PutItem", in: `{"TableName":"tb2","Item":{"pk":{"S":"d"},"sk":{"N":"4"}}}`},
			{op: "DeleteItem", in: `{"TableName":"tb2","Key":{"pk":{"S":"d"},"sk":{"N":"4"}}}`},
		}, []step{
			{op: "GetItem", in: `{"TableName":"tb2","Key":{"pk":{"S":"a"},"sk":{"N":"2"}}}`, out: `{"Item":{"pk":{"S":"a"},"sk":{"N":"2"},"v":{"S":"TWO"},"c":{"N":"1"}}}`},
			{op: "GetItem", in: `{"TableName":"tb2","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}}`, out: `{"Item":{"pk":{"S":"a"},"sk":{"N":"1"},"m":{"M":{"l":{"L":[{"N":"1.5"},{"BOOL":true},{"NULL":true}]}}},"ss":{"SS":["x","y"]},"b":{"B":"AAEC"}}}`},
			{op: "Query", in: `{"TableName":"tb2","KeyConditionExpression":"pk = :a","ExpressionAttributeValues":{":a":{"S":"a"}},"ProjectionExpression":"sk"}`, out: `{"Items":[{"sk":{"N":"1"}},{"sk":{"N":"2"}}],"Count":2,"ScannedCount":2}`},
			{op: "PutItem", in: `{"TableName":"tb2","Item":{"pk":{"S":"a"},"sk":{"N":"1"}},"ConditionExpression":"attribute_not_exists(pk)"}`, errCode: "ConditionalCheckFailedException"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := storagetest.Open(t)
			s := durableService(t, db)
			runSteps(t, s, tc.steps)
			before := dynamoSnapshot(t, s)
			s2 := durableService(t, storagetest.Reopen(t, db))
			require.Equal(t, before, dynamoSnapshot(t, s2))
			runSteps(t, s2, tc.after)
		})
	}
}

// BenchmarkStorePutItem compares PutItem in memory and with a store (fsync on), sequential
// and with concurrent clients sharing commits.
func BenchmarkStorePutItem(b *testing.B) {
	for _, mode := range []string{"memory", "store"} {
		setup := func(b *testing.B) *Service {
			var db *storage.DB
			if mode == "store" {
				var err error
				db, err = storage.Open(b.TempDir(), storage.Options{})
				require.NoError(b, err)
				b.Cleanup(func() { db.Close() })
			}
			s := New(Config{DB: db})
			in, err := task.DecodePlain([]byte(createSimple))
			require.NoError(b, err)
			_, err = s.Do("CreateTable", in.(map[string]any))
			require.NoError(b, err)
			return s
		}
		put := func(s *Service, i int) error {
			_, err := s.Do("PutItem", map[string]any{"TableName": "tb1", "Item": map[string]any{
				"id": map[string]any{"S": fmt.Sprintf("k%d", i%1000)}, "n": map[string]any{"N": "42"}, "s": map[string]any{"S": "payload"},
			}})
			return err
		}
		b.Run(mode+"/sequential", func(b *testing.B) {
			s := setup(b)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if err := put(s, i); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(mode+"/parallel", func(b *testing.B) {
			s := setup(b)
			b.SetParallelism(16)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					if err := put(s, i); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// TestDurableRegions: with a store, every region's tables survive a restart in their region
// (the lookup requests use, In), apart from each other and from the default region's; the
// regions the store holds tables of are made at New, the others only on first use.
func TestDurableRegions(t *testing.T) {
	t.Parallel()
	put := func(v string) step {
		return step{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"k"},"v":{"S":"` + v + `"}}}`}
	}
	regions := []struct {
		region string
		steps  []step
		tables string // ListTables after the restart
	}{
		{"us-east-1", []step{{op: "CreateTable", in: createRange}}, `["tb2"]`},
		{"eu-west-1", []step{{op: "CreateTable", in: createSimple}, put("eu")}, `["tb1"]`},
		{"ap-south-1", []step{{op: "CreateTable", in: createSimple}, {op: "CreateTable", in: createRange}, put("ap")}, `["tb1","tb2"]`},
		{"sa-east-1", []step{{op: "CreateTable", in: createSimple}, put("gone"), {op: "DeleteTable", in: `{"TableName":"tb1"}`}}, `[]`},
	}
	db := storagetest.Open(t)
	s := durableService(t, db)
	before := map[string]string{}
	for _, r := range regions {
		runSteps(t, s.In(r.region), r.steps)
		before[r.region] = dynamoSnapshot(t, s.In(r.region))
	}

	s2 := durableService(t, storagetest.Reopen(t, db))
	var made []string
	s2.regions.Each(func(region string, _ *Service) { made = append(made, region) })
	require.Equal(t, []string{"ap-south-1", "eu-west-1"}, made, "the regions with tables are made at New")
	for _, r := range regions {
		t.Run(r.region, func(t *testing.T) {
			in := s2.In(r.region)
			require.Equal(t, before[r.region], dynamoSnapshot(t, in))
			list, err := in.Do("ListTables", map[string]any{})
			require.NoError(t, err)
			b, err := task.Encode(list["TableNames"])
			require.NoError(t, err)
			require.Equal(t, r.tables, string(b))
		})
	}
	runSteps(t, s2.In("eu-west-1"), []step{
		{op: "GetItem", in: `{"TableName":"tb1","Key":{"id":{"S":"k"}}}`, out: `{"Item":{"id":{"S":"k"},"v":{"S":"eu"}}}`},
		{op: "DescribeTable", in: `{"TableName":"tb2"}`, errCode: "ResourceNotFoundException"},
	})
	runSteps(t, s2, []step{{op: "DescribeTable", in: `{"TableName":"tb1"}`, errCode: "ResourceNotFoundException"}})
	d, err := s2.In("ap-south-1").Do("DescribeTable", map[string]any{"TableName": "tb1"})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:dynamodb:ap-south-1:123456789012:table/tb1", d["Table"].(map[string]any)["TableArn"])
}

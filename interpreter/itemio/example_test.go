package itemio_test

import (
	"fmt"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/itemio"
)

// A CSV object read with its first row as headers: values stay strings, short rows are
// padded with "", and members come in the order AWS emits them.
func ExampleDecode() {
	body := []byte("0,True,{}\nValue4,Value5,Value6\nNull,None\n")
	cfg := itemio.ReaderConfig{InputType: itemio.InputCSV, CSVHeaderLocation: itemio.HeaderFirstRow}
	_ = itemio.Decode(cfg, body, func(item any) error {
		fmt.Println(value.MustEncode(item))
		return nil
	})
	// Output:
	// {"0":"Value4","{}":"Value6","True":"Value5"}
	// {"0":"Null","{}":"","True":"None"}
}

// A JSON document that is neither an array nor an object fails the reader as AWS does.
func ExampleDecodeAll_notIterable() {
	_, err := itemio.DecodeAll(itemio.ReaderConfig{InputType: itemio.InputJSON}, []byte(`"Hello world"`))
	fmt.Println(err)
	// Output:
	// States.ItemReaderFailed: Attempting to map over non-iterable node.
}

func ExampleBatchAll() {
	batches, _ := itemio.BatchAll(itemio.BatcherConfig{
		MaxItemsPerBatch: 2,
		BatchInput:       value.ObjectOf("Run", "r1"),
	}, []any{"a", "b", "c"})
	for _, b := range batches {
		fmt.Println(value.MustEncode(b))
	}
	// Output:
	// {"BatchInput":{"Run":"r1"},"Items":["a","b"]}
	// {"BatchInput":{"Run":"r1"},"Items":["c"]}
}

func ExampleWriteResults() {
	set, _ := itemio.WriteResults(
		itemio.Destination{Bucket: "result-bucket", Prefix: "mapJobs"},
		"arn:aws:states:us-east-1:123456789012:mapRun:sm/TestMap:0e4e4c9b-2d5b-3c7e-9a41-5e0c1b2f7a10",
		itemio.WriterConfig{}, nil, 0)
	fmt.Println(value.MustEncode(set.Output))
	for _, f := range set.Files {
		fmt.Println(f.Key, string(f.Body))
	}
	// Output:
	// {"MapRunArn":"arn:aws:states:us-east-1:123456789012:mapRun:sm/TestMap:0e4e4c9b-2d5b-3c7e-9a41-5e0c1b2f7a10","ResultWriterDetails":{"Bucket":"result-bucket","Key":"mapJobs/0e4e4c9b-2d5b-3c7e-9a41-5e0c1b2f7a10/manifest.json"}}
	// mapJobs/0e4e4c9b-2d5b-3c7e-9a41-5e0c1b2f7a10/manifest.json {"DestinationBucket":"result-bucket","MapRunArn":"arn:aws:states:us-east-1:123456789012:mapRun:sm/TestMap:0e4e4c9b-2d5b-3c7e-9a41-5e0c1b2f7a10","ResultFiles":{"FAILED":[],"PENDING":[],"SUCCEEDED":[]}}
}

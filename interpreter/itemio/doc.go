// Package itemio is the data-format layer of the Distributed Map, as AWS Step Functions runs
// it: it turns the objects an ItemReader reads into items, groups items into ItemBatcher
// batches, and lays out the files a ResultWriter writes. It does no I/O: callers hand it the
// bytes of an object or the entries of a listing, and store the files it returns.
//
// It exists so that the interpreter's Map code and the S3 integration agree on one reading
// of AWS's formats, and so that those formats are table-tested without S3 or executions.
//
// # ItemReader (reader.go, csv.go, listing.go, manifest.go)
//
// [Decode] turns one object's bytes into items under a [ReaderConfig], streaming: each item
// is handed to a yield function as soon as it is decoded, so a Map can start children while
// a large object is still being read and nothing but the current row is buffered.
// [DecodeAll] collects them. The rules, taken from the recorded AWS cases and the
// "ItemReader (Map)" page:
//
//   - CSV: headers from the first row (CSVHeaderLocation FIRST_ROW, the default) or from
//     CSVHeaders (GIVEN); CSVDelimiter COMMA (default), PIPE, SEMICOLON, SPACE or TAB; every
//     value is a string; a row with more fields than headers drops the extra ones, a row with
//     fewer gets "" for the missing ones; duplicate headers fail with "CSV headers cannot
//     contain duplicates."; a UTF-8 byte order mark and empty lines are skipped. Quoting and
//     escaping follow the page's rules for text delimited files (see csvScanner): a quoted
//     field may hold the delimiter and newlines, a doubled quote is one quote (in unquoted
//     fields too), a backslash escapes a backslash, a quote or the delimiter and is dropped
//     before anything else. AWS builds each row as a Java HashMap, so the members of a CSV
//     item come in HashMap iteration order, not header order (the recorded case with headers
//     0,True,{} gives {"0","{}","True"}); javaHashOrder reproduces it.
//   - JSON: the object is one JSON array, whose elements are the items, or one JSON object,
//     whose members become {"Key": name, "Value": value} items in document order (current
//     AWS, as the Map page's "JSON arrays and objects" and floci-io/floci's observations of
//     AWS in 2026 describe; AWS recorded in 2023 a failure here, LocalStack's
//     test_map_item_reader_json_no_json_list_object). A scalar fails with "Attempting to map
//     over non-iterable node.". ItemsPointer (a JSON Pointer, RFC 6901) first selects the
//     node to iterate.
//   - JSONL: one JSON value per non-empty line.
//   - MANIFEST: an S3 Inventory manifest.json; [ParseManifest] lists its data files, which the
//     caller reads and hands to [Manifest.DecodeFile] or [Manifest.Items] (CSV rows named by
//     the manifest's fileSchema, gzip-compressed or not, members in HashMap order as the
//     page's example {"LastModifiedDate","Bucket","Size","Key"} shows). ManifestType
//     ATHENA_DATA and InputType PARQUET are not served.
//   - s3:listObjectsV2: [ObjectItem] is the item for one listed object, {"Etag", "Key",
//     "LastModified", "Size", "StorageClass"} as AWS gives it (LastModified in epoch seconds
//     written as a Java double, 1.789180622E9); with ReaderConfig
//     Transformation LOAD_AND_FLATTEN, [LoadAndFlatten] decodes each listed object with the
//     InputType and yields the items of all of them in listing order.
//   - MaxItems limits the items after decoding (0: no limit; negative fails with
//     "field MaxItems must be positive").
//
// ReaderConfig's fields are named as ASL names them, so encoding/json decodes a definition's
// ReaderConfig object into it (MaxItemsPath aside, which the caller evaluates into MaxItems).
//
// Failures are *task.Failure values named States.ItemReaderFailed (see [ReaderFailed]), ready
// for the interpreter to record as the MapRunFailed/ExecutionFailed error and cause.
//
// # ItemBatcher (batch.go)
//
// [Batch] groups items into batches of at most MaxItemsPerBatch items and at most
// MaxInputBytesPerBatch bytes (the UTF-8 length of the batch's compact JSON, BatchInput
// included, as AWS counts it), each shaped {"BatchInput": ..., "Items": [...]} with
// BatchInput only when given.
//
// # ResultWriter (writer.go)
//
// [WriteResults] lays out what AWS writes under <Prefix>/<map run id>/: the result files
// SUCCEEDED_n.json, FAILED_n.json and PENDING_n.json (n from 0, split by size) with each
// child execution's record, and manifest.json listing them; it also returns the Map state's
// output {"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}. [Transform] applies a
// WriterConfig (NONE, COMPACT, FLATTEN) to the children's results for a ResultWriter without
// a Resource. The caller stores the files raw (the S3 simulator's Service.PutObject, or the
// s3 ItemReader/ResultWriter integration's putObject, which stores its Body string as is);
// the aws-sdk:s3:putObject integration would JSON-encode the body and is not for this.
//
// Standard library only, besides internal/value (ordered JSON) and interpreter/task (the
// Failure type). The CSV scanner is our own: AWS's rules (doubled quotes and backslash
// escapes outside quoted fields) are not RFC 4180, which encoding/csv implements.
package itemio

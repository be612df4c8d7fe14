// Package dynamodb is sfnlocal's Amazon DynamoDB fake: the optimized Task integrations
// `arn:aws:states:::dynamodb:getItem|putItem|deleteItem|updateItem` and the AWS SDK integration
// `arn:aws:states:::aws-sdk:dynamodb:<action>`, with the output shapes, error names and causes
// AWS records, plus the DynamoDB JSON 1.0 API (`X-Amz-Target: DynamoDB_20120810.<Op>`) for
// `aws dynamodb --endpoint-url` and the SDKs: CreateTable, DescribeTable, ListTables,
// DeleteTable, PutItem, GetItem, DeleteItem, UpdateItem, Query, Scan, BatchWriteItem and
// BatchGetItem.
//
// It exists because state machines often read and write DynamoDB directly; with this fake they
// run offline and their tests can seed and inspect tables through the same API.
//
// Tables live in memory, kept per region (In), and are written through to sfnlocal's store with
// Config.DB, every region's (persist.go). Items are kept in AWS's typed JSON form ({"S": "x"}, {"N": "1"}, ...),
// the form both the wire and Task parameters use, so nothing is converted on the way in or out.
// Condition, filter, key-condition, update and projection expressions are parsed per request
// into a small AST (expr.go), with AWS's reserved words, placeholder checks and messages, and
// evaluated against that form (eval.go). Numbers compare and add exactly (math/big) and are
// stored canonically ("1.50" → "1.5"), as DynamoDB's 38-digit decimals are.
//
// Not implemented: secondary indexes (Query with IndexName is refused), the legacy
// non-expression parameters other than AttributesToGet (refused with a ValidationException
// rather than ignored), transactions, TTL, streams and Scan segments. Tables are ACTIVE at once
// (CreateTable answers CREATING, as AWS does, and DescribeTable ACTIVE).
package dynamodb

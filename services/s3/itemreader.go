package s3

import (
	"context"
	"errors"
	"fmt"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/itemio"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// This file is the s3 optimized integration as the Distributed Map uses it:
// arn:aws:states:::s3:getObject and arn:aws:states:::s3:listObjectsV2 in an ItemReader, and
// arn:aws:states:::s3:putObject in a ResultWriter. The interpreter calls it with the
// ItemReader's or ResultWriter's evaluated Parameters/Arguments; its results are raw data for
// interpreter/itemio, not the SDK response shapes of the aws-sdk:s3 integration:
//
//   - getObject {Bucket, Key}: the object's bytes as a string (not made valid UTF-8: the
//     reader decodes them, and a CSV or JSON object's bytes must reach it intact);
//   - listObjectsV2 {Bucket, Prefix?, Delimiter?, StartAfter?}: every page of the listing,
//     as an array of itemio.ObjectItem items ({"Etag","Key","LastModified","Size",
//     "StorageClass"}), in key order;
//   - putObject {Bucket, Key, Body}: stores Body as given (a string is stored as its bytes,
//     anything else as its JSON) and returns {} (the ResultWriter records no output).
//
// S3 errors fail the reader with States.ItemReaderFailed (getObject, listObjectsV2) or the
// writer with States.ResultWriterFailed (putObject), the cause worded as the SDK words the
// S3 error, as in the aws-sdk:s3 integration's failures.

// ItemIntegration returns the task.Handler for the s3 ItemReader/ResultWriter resources
// (Request.Service "s3"; actions getObject, listObjectsV2, putObject).
func (s *Service) ItemIntegration() task.Handler { return task.HandlerFunc(s.invokeItem) }

func (s *Service) invokeItem(ctx context.Context, req *task.Request) (any, error) {
	params, _ := task.PlainExcept(req.Parameters, "Body")
	if params == nil {
		params = map[string]any{}
	}
	var (
		out any
		err error
	)
	failName := itemio.ErrItemReaderFailed
	switch req.Action {
	case "getObject":
		out, err = s.itemGetObject(params)
	case "listObjectsV2":
		out, err = s.itemListObjects(ctx, params)
	case "putObject":
		failName = itemio.ErrResultWriterFailed
		out, err = s.itemPutObject(params)
	default:
		return nil, &task.Failure{Name: "States.Runtime", Cause: fmt.Sprintf("The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.", req.Resource)}
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, &task.Failure{Name: failName, Cause: sdkFailure(e, false).Cause}
		}
		var f *task.Failure
		if errors.As(err, &f) {
			return nil, f
		}
		return nil, &task.Failure{Name: failName, Cause: err.Error()}
	}
	return out, nil
}

func (s *Service) itemGetObject(p map[string]any) (any, error) {
	if err := required(p, "Bucket", "Key"); err != nil {
		return nil, err
	}
	obj, err := s.GetObject(str(p, "Bucket"), str(p, "Key"))
	if err != nil {
		return nil, err
	}
	return string(obj.Body), nil
}

func (s *Service) itemListObjects(ctx context.Context, p map[string]any) (any, error) {
	if err := required(p, "Bucket"); err != nil {
		return nil, err
	}
	bucket := str(p, "Bucket")
	in := ListInput{Prefix: str(p, "Prefix"), Delimiter: str(p, "Delimiter"), After: str(p, "StartAfter")}
	items := []any{}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		page, err := s.ListObjects(bucket, in)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Objects {
			items = append(items, itemio.ObjectItem(itemio.Object{
				Key: o.Key, ETag: o.ETag, Size: o.Size(), LastModified: o.LastModified, StorageClass: "STANDARD",
			}))
		}
		if !page.IsTruncated {
			return items, nil
		}
		in.After = page.Next
	}
}

func (s *Service) itemPutObject(p map[string]any) (any, error) {
	if err := required(p, "Bucket", "Key"); err != nil {
		return nil, err
	}
	var body []byte
	switch b := p["Body"].(type) {
	case string:
		body = []byte(b)
	case nil:
	default:
		enc, err := value.Encode(b)
		if err != nil {
			return nil, err
		}
		body = enc
	}
	if _, err := s.PutObject(str(p, "Bucket"), str(p, "Key"), body, PutOptions{}); err != nil {
		return nil, err
	}
	return value.NewObject(0), nil
}

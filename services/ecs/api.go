package ecs

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
)

// TargetPrefix is the X-Amz-Target prefix of the ECS JSON API.
const TargetPrefix = "AmazonEC2ContainerServiceV20141113."

const contentType = "application/x-amz-json-1.1"

// IsECSRequest tells whether r is an ECS API call (for unsigned clients; signed requests are
// routed by their signing name "ecs").
func IsECSRequest(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
}

// Handler serves the ECS JSON API.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requestID := uuid.NewString()
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic in ecs handler", fOperation(op), fPanic(p))
				writeError(w, requestID, &APIError{Code: "ServerException", Message: "internal error", Status: 500})
			}
		}()
		if !IsECSRequest(r) {
			writeError(w, requestID, &APIError{Code: "UnknownOperationException", Status: 400})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			writeError(w, requestID, &APIError{Code: "SerializationException", Message: "Request body too large", Status: 413})
			return
		}
		svc := s // unsigned requests: the default region's resources
		if sc, ok := awsproto.ScopeOf(r); ok {
			svc = s.In(sc.Region)
		}
		out, err := svc.Serve(op, body)
		if err == nil {
			err = svc.persist() // the change, durable before it is acknowledged
		}
		if err != nil {
			var e *APIError
			if !errors.As(err, &e) {
				s.log.Error("ecs request failed", fOperation(op), errField(err))
				e = &APIError{Code: "ServerException", Message: err.Error(), Status: 500}
			}
			writeError(w, requestID, e)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("x-amzn-RequestId", requestID)
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		_, _ = w.Write(out)
	})
}

func writeError(w http.ResponseWriter, requestID string, e *APIError) {
	b, _ := json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return &APIError{Code: "SerializationException", Message: "Start of structure or map found where not expected.", Status: 400}
	}
	return nil
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Serve runs one ECS operation on its JSON request body and returns the response body.
func (s *Service) Serve(op string, body []byte) ([]byte, error) {
	switch op {
	case "CreateCluster":
		var in struct {
			ClusterName string `json:"clusterName"`
			Tags        []Tag  `json:"tags"`
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		c, err := s.CreateCluster(in.ClusterName, in.Tags)
		if err != nil {
			return nil, err
		}
		return marshal(map[string]any{"cluster": c})
	case "DescribeClusters":
		var in struct {
			Clusters []string `json:"clusters"`
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		cs, fails := s.DescribeClusters(in.Clusters)
		return marshal(map[string]any{"clusters": cs, "failures": fails})
	case "ListClusters":
		return marshal(map[string]any{"clusterArns": s.ListClusters()})
	case "DeleteCluster":
		var in struct {
			Cluster string `json:"cluster"`
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		if in.Cluster == "" {
			return nil, invalidParam("Cluster can not be blank.")
		}
		c, err := s.DeleteCluster(in.Cluster)
		if err != nil {
			return nil, err
		}
		return marshal(map[string]any{"cluster": c})
	case "RegisterTaskDefinition":
		var in RegisterTaskDefinitionInput
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		d, err := s.RegisterTaskDefinition(&in)
		if err != nil {
			return nil, err
		}
		tags := in.Tags
		if tags == nil {
			tags = []Tag{}
		}
		return marshal(map[string]any{"taskDefinition": d, "tags": tags})
	case "DescribeTaskDefinition":
		var in struct {
			TaskDefinition string `json:"taskDefinition"`
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		d, tags, err := s.DescribeTaskDefinition(in.TaskDefinition)
		if err != nil {
			return nil, err
		}
		return marshal(map[string]any{"taskDefinition": d, "tags": tags})
	case "ListTaskDefinitions":
		var in struct {
			FamilyPrefix string `json:"familyPrefix"`
			Status       string `json:"status"`
			Sort         string `json:"sort"`
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		return marshal(map[string]any{"taskDefinitionArns": s.ListTaskDefinitions(in.FamilyPrefix, in.Status, in.Sort == "DESC")})
	case "DeregisterTaskDefinition":
		var in struct {
			TaskDefinition string `json:"taskDefinition"`
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		d, err := s.DeregisterTaskDefinition(in.TaskDefinition)
		if err != nil {
			return nil, err
		}
		return marshal(map[string]any{"taskDefinition": d})
	case "RunTask":
		var in RunTaskInput
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		tasks, fails, err := s.RunTask(&in)
		if err != nil {
			return nil, err
		}
		return marshal(map[string]any{"tasks": tasks, "failures": fails})
	case "DescribeTasks":
		var in struct {
			Cluster string   `json:"cluster"`
			Tasks   []string `json:"tasks"`
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		tasks, fails, err := s.DescribeTasks(in.Cluster, in.Tasks)
		if err != nil {
			return nil, err
		}
		return marshal(map[string]any{"tasks": tasks, "failures": fails})
	case "StopTask":
		var in struct {
			Cluster string `json:"cluster"`
			Task    string `json:"task"`
			Reason  string `json:"reason"`
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		t, err := s.StopTask(in.Cluster, in.Task, in.Reason)
		if err != nil {
			return nil, err
		}
		return marshal(map[string]any{"task": t})
	case "ListTasks":
		var in ListTasksInput
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		arns, next, err := s.ListTasks(&in)
		if err != nil {
			return nil, err
		}
		out := map[string]any{"taskArns": arns}
		if next != "" {
			out["nextToken"] = next
		}
		return marshal(out)
	}
	return nil, &APIError{Code: "UnknownOperationException", Status: 400}
}

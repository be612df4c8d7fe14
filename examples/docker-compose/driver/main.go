// Command driver is the test container of the Docker Compose example: from its own container
// it deploys AWS's "AWS Batch with Lambda" sample to the sfnlocal service with aws-sdk-go-v2
// (Lambda function, Batch compute environment, queue and job definition, state machine), runs
// it as published and corrected, and exits non-zero unless both end as they do on AWS.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/batch"
	batchtypes "github.com/aws/aws-sdk-go-v2/service/batch/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

const role = "arn:aws:iam::123456789012:role/compose-example"

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	fmt.Println("compose example: all checks passed")
}

func run(ctx context.Context) error {
	endpoint := getenv("SFNLOCAL_ENDPOINT", "http://sfnlocal:8083")
	dir := getenv("DRIVER_DIR", "/driver")
	image := getenv("JOB_IMAGE", "sfnlocal-example/batch-job:latest")
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
	}
	sf, lm, bt := sfn.NewFromConfig(cfg), lambda.NewFromConfig(cfg), batch.NewFromConfig(cfg)

	// Wait for the server.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := sf.ListStateMachines(ctx, &sfn.ListStateMachinesInput{}); err == nil {
			break
		} else if time.Now().After(deadline) {
			return fmt.Errorf("sfnlocal not reachable at %s: %w", endpoint, err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	zip, err := os.ReadFile(dir + "/function.zip")
	if err != nil {
		return err
	}
	if _, err := lm.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("generate-batch-job-input"), Runtime: lambdatypes.RuntimeProvidedal2023,
		Handler: aws.String("bootstrap"), Role: aws.String(role), Code: &lambdatypes.FunctionCode{ZipFile: zip},
	}); err != nil {
		return fmt.Errorf("create function: %w", err)
	}
	if _, err := bt.CreateComputeEnvironment(ctx, &batch.CreateComputeEnvironmentInput{
		ComputeEnvironmentName: aws.String("compose-ce"), Type: batchtypes.CETypeManaged,
		ComputeResources: &batchtypes.ComputeResource{Type: batchtypes.CRTypeEc2, MaxvCpus: aws.Int32(4), MinvCpus: aws.Int32(0),
			InstanceTypes: []string{"optimal"}, Subnets: []string{"subnet-1"}, SecurityGroupIds: []string{"sg-1"}, InstanceRole: aws.String("ecsInstanceRole")},
	}); err != nil {
		return fmt.Errorf("create compute environment: %w", err)
	}
	q, err := bt.CreateJobQueue(ctx, &batch.CreateJobQueueInput{
		JobQueueName: aws.String("compose-queue"), Priority: aws.Int32(1),
		ComputeEnvironmentOrder: []batchtypes.ComputeEnvironmentOrder{{Order: aws.Int32(1), ComputeEnvironment: aws.String("compose-ce")}},
	})
	if err != nil {
		return fmt.Errorf("create job queue: %w", err)
	}
	jd, err := bt.RegisterJobDefinition(ctx, &batch.RegisterJobDefinitionInput{
		JobDefinitionName: aws.String("compose-job"), Type: batchtypes.JobDefinitionTypeContainer,
		ContainerProperties: &batchtypes.ContainerProperties{Image: aws.String(image), Command: []string{"--message", "Ref::message"},
			ResourceRequirements: []batchtypes.ResourceRequirement{{Type: batchtypes.ResourceTypeVcpu, Value: aws.String("1")}, {Type: batchtypes.ResourceTypeMemory, Value: aws.String("128")}}},
	})
	if err != nil {
		return fmt.Errorf("register job definition: %w", err)
	}

	published, err := os.ReadFile(dir + "/statemachine.json")
	if err != nil {
		return err
	}
	fill := strings.NewReplacer("<GENERATE_BATCH_JOB_INPUT_LAMBDA_FUNCTION_NAME>", "generate-batch-job-input",
		"<BATCH_QUEUE_ARN>", *q.JobQueueArn, "<BATCH_JOB_DEFINITION_ARN>", *jd.JobDefinitionArn)
	def := fill.Replace(string(published))
	corrected := strings.Replace(def, `"OutputPath": "$.batch_input"`, `"OutputPath": "$.Payload"`, 1)

	status, out, errName, cause, err := execute(ctx, sf, "published", def)
	if err != nil {
		return err
	}
	fmt.Printf("as published: %s %s %s\n", status, errName, cause)
	if status != "FAILED" || errName != "States.Runtime" || !strings.Contains(cause, "Invalid path '$.batch_input'") {
		return fmt.Errorf("published definition: want FAILED States.Runtime, got %s %s %s", status, errName, cause)
	}
	status, out, errName, cause, err = execute(ctx, sf, "corrected", corrected)
	if err != nil {
		return err
	}
	fmt.Printf("corrected: %s %s\n", status, out)
	var job struct {
		Status    string
		Container struct{ ExitCode int }
	}
	if status != "SUCCEEDED" || json.Unmarshal([]byte(out), &job) != nil || job.Status != "SUCCEEDED" {
		return fmt.Errorf("corrected definition: want SUCCEEDED with a SUCCEEDED job, got %s %s %s %s", status, out, errName, cause)
	}
	return nil
}

func execute(ctx context.Context, sf *sfn.Client, name, definition string) (status, output, errName, cause string, err error) {
	sm, err := sf.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(definition), RoleArn: aws.String(role)})
	if err != nil {
		return "", "", "", "", fmt.Errorf("create state machine %s: %w", name, err)
	}
	ex, err := sf.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		return "", "", "", "", fmt.Errorf("start execution: %w", err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		d, err := sf.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
		if err != nil {
			return "", "", "", "", err
		}
		if d.Status != "RUNNING" {
			return string(d.Status), aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause), nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", "", "", "", fmt.Errorf("execution %s did not finish in time", name)
}

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

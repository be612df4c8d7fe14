package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/sfnlocal/sfnlocal/api/store"
)

const (
	typeStandard = "STANDARD"
	typeExpress  = "EXPRESS"
)

// maxCachedPrograms bounds the compiled-definition cache.
const maxCachedPrograms = 4096

const (
	defaultLogging = `{"includeExecutionData":false,"level":"OFF"}`
	defaultTracing = `{"enabled":false}`
)

// compile parses a definition through the engine, caching programs by definition text (the
// program is immutable, so executions of equal definitions share it).
func (s *Service) compile(definition, smType string) (Program, error) {
	key := smType + "\x00" + definition
	if p, ok := s.programs.Load(key); ok {
		return p.(Program), nil
	}
	p, err := s.engine.Compile(definition, smType)
	if err != nil {
		return nil, err
	}
	if s.programCount.Add(1) > maxCachedPrograms {
		// Bound the cache: start over rather than track usage (recompiling is cheap).
		s.programs.Clear()
		s.programCount.Store(1)
	}
	s.programs.Store(key, p)
	return p, nil
}

// loggingJSON validates a logging configuration and returns its canonical JSON text.
func loggingJSON(c *LoggingConfiguration) (string, error) {
	if c == nil {
		return defaultLogging, nil
	}
	var ck checks
	ck.enum("loggingConfiguration.level", c.Level, enumLogLevel...)
	if err := ck.err(); err != nil {
		return "", err
	}
	level := "OFF"
	if c.Level != nil {
		level = *c.Level
	}
	if len(c.Destinations) > 1 {
		return "", newError(CodeInvalidLoggingConfiguration, "Invalid Logging Configuration: Must specify exactly one Log Destination.")
	}
	if level != "OFF" && len(c.Destinations) == 0 {
		return "", newError(CodeInvalidLoggingConfiguration, "Invalid Logging Configuration: Must specify exactly one Log Destination.")
	}
	out := map[string]any{"level": level, "includeExecutionData": c.IncludeExecutionData != nil && *c.IncludeExecutionData}
	if len(c.Destinations) == 1 {
		d := c.Destinations[0]
		if d.CloudWatchLogsLogGroup == nil || d.CloudWatchLogsLogGroup.LogGroupArn == nil ||
			!strings.HasPrefix(*d.CloudWatchLogsLogGroup.LogGroupArn, "arn:") {
			return "", newError(CodeInvalidLoggingConfiguration, "Invalid Logging Configuration: Log Destination not found or invalid.")
		}
		out["destinations"] = []any{map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": *d.CloudWatchLogsLogGroup.LogGroupArn}}}
	}
	b, err := marshal(out)
	return string(b), err
}

func tracingJSON(c *TracingConfiguration) string {
	if c == nil || c.Enabled == nil || !*c.Enabled {
		return defaultTracing
	}
	return `{"enabled":true}`
}

// encryptionJSON validates an encryption configuration and returns its canonical JSON text;
// "" stands for AWS's default, {"type":"AWS_OWNED_KEY"} (see encryptionOut).
func encryptionJSON(c *EncryptionConfiguration) (string, error) {
	if c == nil {
		return "", nil
	}
	var ck checks
	if ck.required("encryptionConfiguration.type", c.Type != nil) {
		ck.enum("encryptionConfiguration.type", c.Type, enumEncryptionType...)
	}
	ck.str("encryptionConfiguration.kmsKeyId", c.KmsKeyID, false, 1, 2048)
	ck.intRange("encryptionConfiguration.kmsDataKeyReusePeriodSeconds", c.KmsDataKeyReusePeriodSeconds, 60, 900)
	if err := ck.err(); err != nil {
		return "", err
	}
	if *c.Type == "CUSTOMER_MANAGED_KMS_KEY" && c.KmsKeyID == nil {
		return "", newError(CodeInvalidEncryptionConfiguration, "Invalid Encryption Configuration: kmsKeyId is required for CUSTOMER_MANAGED_KMS_KEY")
	}
	if *c.Type == "AWS_OWNED_KEY" && c.KmsKeyID != nil {
		return "", newError(CodeInvalidEncryptionConfiguration, "Invalid Encryption Configuration: kmsKeyId must not be set for AWS_OWNED_KEY")
	}
	if *c.Type == "AWS_OWNED_KEY" && c.KmsDataKeyReusePeriodSeconds == nil {
		return "", nil
	}
	b, err := marshal(c)
	return string(b), err
}

// KeyResolver finds a KMS key by key id, key ARN, alias name or alias ARN in a region: its
// ARN and KeyState (Enabled, Disabled, PendingDeletion); ok is false when there is none.
type KeyResolver interface {
	KeyInfo(region, keyID string) (arn, state string, ok bool)
}

// checkKey checks that a customer managed key exists and is enabled, as AWS checks it when a
// state machine or activity is created or updated with it.
func (s *Service) checkKey(ctx context.Context, c *EncryptionConfiguration) error {
	if c == nil || c.Type == nil || *c.Type != "CUSTOMER_MANAGED_KMS_KEY" || c.KmsKeyID == nil || s.keys == nil {
		return nil
	}
	_, state, ok := s.keys.KeyInfo(s.regionOf(ctx), *c.KmsKeyID)
	switch {
	case !ok:
		return newError(CodeInvalidEncryptionConfiguration, "Invalid Encryption Configuration: KMS key '%s' does not exist or is not accessible", *c.KmsKeyID)
	case state != "Enabled":
		return newError(CodeKmsInvalidState, "The KMS key '%s' is not in a valid state: %s", *c.KmsKeyID, state)
	}
	return nil
}

// defaultEncryption is what Describe* show for a resource created without an encryption
// configuration.
const defaultEncryption = `{"type":"AWS_OWNED_KEY"}`

// encryptionOut renders a stored encryption configuration for Describe*.
func encryptionOut(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage(defaultEncryption)
	}
	return json.RawMessage(s)
}

func raw(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

func checkTags(ck *checks, tags []Tag) {
	for i, t := range tags {
		m := fmt.Sprintf("tags.%d.member", i+1)
		ck.str(m+".key", t.Key, true, 1, 128)
		ck.str(m+".value", t.Value, false, 0, 256)
	}
}

func (s *Service) CreateStateMachine(ctx context.Context, in *CreateStateMachineInput) (*CreateStateMachineOutput, error) {
	var ck checks
	ck.str("name", in.Name, true, 1, 80)
	ck.payload("definition", in.Definition, true, 1, 1048576)
	ck.str("roleArn", in.RoleArn, true, 1, 256)
	ck.enum("type", in.Type, enumSMType...)
	ck.sensitive("versionDescription", in.VersionDescription, false, 0, 256)
	checkTags(&ck, in.Tags)
	if err := ck.err(); err != nil {
		return nil, err
	}
	if !validName(*in.Name) {
		return nil, errInvalidName(*in.Name)
	}
	if err := checkRoleArn(in.RoleArn); err != nil {
		return nil, err
	}
	if in.VersionDescription != nil && (in.Publish == nil || !*in.Publish) {
		return nil, newError(CodeValidationException, "Version description can only be set when publish is true")
	}
	smType := typeStandard
	if in.Type != nil {
		smType = *in.Type
	}
	logging, err := loggingJSON(in.LoggingConfiguration)
	if err != nil {
		return nil, err
	}
	encryption, err := encryptionJSON(in.EncryptionConfiguration)
	if err != nil {
		return nil, err
	}
	if err := s.checkKey(ctx, in.EncryptionConfiguration); err != nil {
		return nil, err
	}
	tracing := tracingJSON(in.TracingConfiguration)
	if len(in.Tags) > 50 {
		return nil, &Error{Code: CodeTooManyTags, Message: "Too many tags: the maximum is 50", ResourceName: s.smArn(ctx, *in.Name)}
	}
	prog, err := s.compile(*in.Definition, smType)
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	arn := s.smArn(ctx, *in.Name)
	if old, ok := s.store.GetStateMachine(arn); ok {
		if old.Deleting {
			return nil, newError(CodeStateMachineDeleting, "State Machine is being deleted: '%s'", arn)
		}
		if old.Definition == *in.Definition && old.Type == smType && old.Logging == logging &&
			old.Tracing == tracing && old.Encryption == encryption {
			out := &CreateStateMachineOutput{StateMachineArn: arn, CreationDate: ts(old.CreationDate)}
			if in.Publish != nil && *in.Publish {
				v, err := s.publishLocked(old, in.VersionDescription, false)
				if err != nil {
					return nil, err
				}
				out.StateMachineVersionArn = &v.Arn
			}
			return out, nil
		}
		return nil, newError(CodeStateMachineAlreadyExists, "State Machine Already Exists: '%s'", arn)
	}
	now := s.clock.Now()
	sm := store.StateMachine{
		Arn: arn, Name: *in.Name, Type: smType, RoleArn: *in.RoleArn, Definition: *in.Definition,
		Logging: logging, Tracing: tracing, Encryption: encryption, CreationDate: now,
		RevisionID: s.newID(), NextVersion: 1, VariableReferences: prog.VariableReferences(),
	}
	s.store.PutStateMachine(sm)
	if len(in.Tags) > 0 {
		s.store.SetTags(arn, mergeTags(nil, in.Tags))
	}
	out := &CreateStateMachineOutput{StateMachineArn: arn, CreationDate: ts(now)}
	if in.Publish != nil && *in.Publish {
		v, err := s.publishLocked(sm, in.VersionDescription, false)
		if err != nil {
			return nil, err
		}
		out.StateMachineVersionArn = &v.Arn
	}
	s.log.Debug("state machine created", fieldStateMachine(arn))
	return out, nil
}

// lookupStateMachine resolves an unqualified or version ARN for Describe-like operations.
func (s *Service) lookupStateMachine(ctx context.Context, arnText string) (store.StateMachine, *store.Version, error) {
	ref, aerr := parseStateMachineArn(arnText)
	if aerr != nil {
		return store.StateMachine{}, nil, aerr
	}
	if ref.Label != "" {
		return store.StateMachine{}, nil, &Error{Code: CodeValidationException, Message: "Labelled ARNs are not supported by this API", Reason: "API_DOES_NOT_SUPPORT_LABELED_ARNS"}
	}
	sm, ok := s.store.GetStateMachine(ref.Base)
	if !ok || !s.here(ctx, ref.Base) {
		return store.StateMachine{}, nil, errStateMachineDoesNotExist(arnText)
	}
	switch {
	case ref.Version > 0:
		v, ok := s.store.GetVersion(arnText)
		if !ok {
			return store.StateMachine{}, nil, errStateMachineDoesNotExist(arnText)
		}
		return sm, &v, nil
	case ref.Alias != "":
		return store.StateMachine{}, nil, errInvalidArn("Resource type not valid in this context: stateMachineAlias")
	}
	return sm, nil, nil
}

func (s *Service) DescribeStateMachine(ctx context.Context, in *DescribeStateMachineInput) (*DescribeStateMachineOutput, error) {
	var ck checks
	ck.str("stateMachineArn", in.StateMachineArn, true, 1, 256)
	ck.enum("includedData", in.IncludedData, enumIncludedData...)
	if err := ck.err(); err != nil {
		return nil, err
	}
	sm, v, err := s.lookupStateMachine(ctx, *in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	out := &DescribeStateMachineOutput{
		StateMachineArn: sm.Arn, Name: sm.Name, Status: "ACTIVE", Definition: sm.Definition,
		RoleArn: sm.RoleArn, Type: sm.Type, CreationDate: ts(sm.CreationDate),
		LoggingConfiguration: raw(sm.Logging), TracingConfiguration: raw(sm.Tracing),
		EncryptionConfiguration: encryptionOut(sm.Encryption), VariableReferences: sm.VariableReferences,
	}
	if !sm.UpdateDate.IsZero() {
		out.RevisionID = sm.RevisionID
	}
	if sm.Deleting {
		out.Status = "DELETING"
	}
	if v != nil {
		out.StateMachineArn = v.Arn
		out.Definition, out.RoleArn, out.Type = v.Definition, v.RoleArn, v.Type
		out.CreationDate = ts(v.CreationDate)
		out.LoggingConfiguration, out.TracingConfiguration = raw(v.Logging), raw(v.Tracing)
		out.EncryptionConfiguration = encryptionOut(v.Encryption)
		out.RevisionID = ""
		if v.ShowRevision {
			out.RevisionID = v.RevisionID
		}
		out.VariableReferences = v.VariableReferences
		if v.Description != "" {
			d := v.Description
			out.Description = &d
		}
	}
	return out, nil
}

func (s *Service) UpdateStateMachine(ctx context.Context, in *UpdateStateMachineInput) (*UpdateStateMachineOutput, error) {
	var ck checks
	ck.str("stateMachineArn", in.StateMachineArn, true, 1, 256)
	ck.payload("definition", in.Definition, false, 1, 1048576)
	ck.str("roleArn", in.RoleArn, false, 1, 256)
	ck.sensitive("versionDescription", in.VersionDescription, false, 0, 256)
	if err := ck.err(); err != nil {
		return nil, err
	}
	ref, aerr := parseStateMachineArn(*in.StateMachineArn)
	if aerr != nil {
		return nil, aerr
	}
	if ref.Version > 0 || ref.Alias != "" || ref.Label != "" {
		return nil, errInvalidArn("Resource type not valid in this context: qualified stateMachine")
	}
	if err := checkRoleArn(in.RoleArn); err != nil {
		return nil, err
	}
	if in.Definition == nil && in.RoleArn == nil && in.LoggingConfiguration == nil && in.TracingConfiguration == nil && in.EncryptionConfiguration == nil {
		return nil, newError(CodeMissingRequiredParameter, "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified")
	}
	publish := in.Publish != nil && *in.Publish
	if in.VersionDescription != nil && !publish {
		return nil, newError(CodeValidationException, "Version description can only be set when publish is true")
	}
	var logging, encryption string
	var err error
	if in.LoggingConfiguration != nil {
		if logging, err = loggingJSON(in.LoggingConfiguration); err != nil {
			return nil, err
		}
	}
	if in.EncryptionConfiguration != nil {
		if encryption, err = encryptionJSON(in.EncryptionConfiguration); err != nil {
			return nil, err
		}
		if err := s.checkKey(ctx, in.EncryptionConfiguration); err != nil {
			return nil, err
		}
	}
	cur, ok := s.store.GetStateMachine(ref.Base)
	if !ok || !s.here(ctx, ref.Base) {
		return nil, errStateMachineDoesNotExist(*in.StateMachineArn)
	}
	var prog Program
	if in.Definition != nil {
		if prog, err = s.compile(*in.Definition, cur.Type); err != nil {
			return nil, err
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	sm, ok := s.store.GetStateMachine(ref.Base)
	if !ok || !s.here(ctx, ref.Base) {
		return nil, errStateMachineDoesNotExist(*in.StateMachineArn)
	}
	if sm.Deleting {
		return nil, newError(CodeStateMachineDeleting, "State Machine is being deleted: '%s'", sm.Arn)
	}
	next := sm
	if in.Definition != nil {
		next.Definition = *in.Definition
		next.VariableReferences = prog.VariableReferences()
	}
	if in.RoleArn != nil {
		next.RoleArn = *in.RoleArn
	}
	if in.LoggingConfiguration != nil {
		next.Logging = logging
	}
	if in.TracingConfiguration != nil {
		next.Tracing = tracingJSON(in.TracingConfiguration)
	}
	if in.EncryptionConfiguration != nil {
		next.Encryption = encryption
	}
	changed := next.Definition != sm.Definition || next.RoleArn != sm.RoleArn || next.Logging != sm.Logging ||
		next.Tracing != sm.Tracing || next.Encryption != sm.Encryption
	now := s.clock.Now()
	if changed {
		next.RevisionID = s.newID()
	}
	next.UpdateDate = now
	s.store.PutStateMachine(next)
	if next.Definition != sm.Definition {
		s.resetCoverage(sm.Arn)
	}
	out := &UpdateStateMachineOutput{UpdateDate: ts(now), RevisionID: next.RevisionID}
	if publish {
		v, err := s.publishLocked(next, in.VersionDescription, true)
		if err != nil {
			return nil, err
		}
		out.StateMachineVersionArn = &v.Arn
	}
	return out, nil
}

func (s *Service) DeleteStateMachine(ctx context.Context, in *DeleteStateMachineInput) (*Empty, error) {
	var ck checks
	ck.str("stateMachineArn", in.StateMachineArn, true, 1, 256)
	if err := ck.err(); err != nil {
		return nil, err
	}
	ref, aerr := parseStateMachineArn(*in.StateMachineArn)
	if aerr != nil {
		return nil, aerr
	}
	if ref.Label != "" {
		return nil, &Error{Code: CodeValidationException, Message: "Labelled ARNs are not supported by this API", Reason: "API_DOES_NOT_SUPPORT_LABELED_ARNS"}
	}
	if ref.Version > 0 || ref.Alias != "" {
		return nil, newError(CodeValidationException, "Please use DeleteStateMachineVersion or DeleteStateMachineAlias to delete a qualified state machine ARN")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sm, ok := s.store.GetStateMachine(ref.Base)
	if !ok || !s.here(ctx, ref.Base) {
		return &Empty{}, nil
	}
	if s.running[sm.Arn] > 0 {
		sm.Deleting = true
		s.store.PutStateMachine(sm)
		return &Empty{}, nil
	}
	s.removeStateMachineLocked(sm.Arn)
	return &Empty{}, nil
}

// removeStateMachineLocked deletes a state machine with its versions and aliases.
func (s *Service) removeStateMachineLocked(arn string) {
	for _, a := range s.store.ListAliases(arn) {
		s.store.DeleteAlias(a.Arn)
	}
	for _, v := range s.store.ListVersions(arn) {
		s.store.DeleteVersion(v.Arn)
	}
	s.store.DeleteStateMachine(arn)
	delete(s.running, arn)
	s.resetCoverage(arn)
}

func (s *Service) ListStateMachines(ctx context.Context, in *ListStateMachinesInput) (*ListStateMachinesOutput, error) {
	var ck checks
	ck.intRange("maxResults", in.MaxResults, 0, 1000)
	ck.str("nextToken", in.NextToken, false, 1, 1024)
	if err := ck.err(); err != nil {
		return nil, err
	}
	var sms []store.StateMachine
	for _, sm := range s.store.ListStateMachines() {
		if s.inRegion(ctx, sm.Arn) {
			sms = append(sms, sm)
		}
	}
	page, next, err := paginate(s, "sm"+s.arnPrefix(ctx), sms, func(sm store.StateMachine) string { return sm.Arn }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListStateMachinesOutput{StateMachines: make([]StateMachineListItem, 0, len(page)), NextToken: next}
	for _, sm := range page {
		out.StateMachines = append(out.StateMachines, StateMachineListItem{
			StateMachineArn: sm.Arn, Name: sm.Name, Type: sm.Type, CreationDate: ts(sm.CreationDate),
		})
	}
	return out, nil
}

func (s *Service) ValidateStateMachineDefinition(ctx context.Context, in *ValidateStateMachineDefinitionInput) (*ValidateStateMachineDefinitionOutput, error) {
	var ck checks
	ck.payload("definition", in.Definition, true, 1, 1048576)
	ck.enum("type", in.Type, enumSMType...)
	ck.enum("severity", in.Severity, enumSeverity...)
	ck.intRange("maxResults", in.MaxResults, 0, 100)
	if err := ck.err(); err != nil {
		return nil, err
	}
	minSeverity := "ERROR"
	if in.Severity != nil {
		minSeverity = *in.Severity
	}
	limit := 100
	if in.MaxResults != nil && *in.MaxResults > 0 {
		limit = int(*in.MaxResults)
	}
	out := &ValidateStateMachineDefinitionOutput{Result: "OK", Diagnostics: []ValidateDiagnostic{}}
	smType := typeStandard
	if in.Type != nil {
		smType = *in.Type
	}
	for _, d := range s.engine.Validate(*in.Definition, smType) {
		if d.Severity == "ERROR" {
			out.Result = "FAIL"
		}
		if minSeverity == "ERROR" && d.Severity != "ERROR" {
			continue
		}
		if len(out.Diagnostics) == limit {
			out.Truncated = true
			continue
		}
		out.Diagnostics = append(out.Diagnostics, ValidateDiagnostic{Severity: d.Severity, Code: d.Code, Message: d.Message, Location: d.Location})
	}
	return out, nil
}

// Versions.

// publishLocked publishes sm's current revision, idempotently: the latest version of the same
// revision is returned again.
//
// newOnDescription is UpdateStateMachine's rule: with publish and a versionDescription that
// differs from the latest version's, AWS publishes a new version of the same revision instead
// of refusing.
func (s *Service) publishLocked(sm store.StateMachine, description *string, newOnDescription bool) (store.Version, error) {
	desc := ""
	if description != nil {
		desc = *description
	}
	versions := s.store.ListVersions(sm.Arn)
	if len(versions) > 0 && versions[0].RevisionID == sm.RevisionID && !(newOnDescription && description != nil && versions[0].Description != desc) {
		if versions[0].Description != desc && description != nil {
			return store.Version{}, newError(CodeConflictException,
				"Failed to publish the State Machine version with description %q: version %s of the current revision has a different description", desc, versions[0].Arn)
		}
		return versions[0], nil
	}
	if len(versions) >= 1000 {
		return store.Version{}, newError(CodeServiceQuotaExceededException, "The maximum number of versions (1000) has been reached for state machine '%s'", sm.Arn)
	}
	v := store.Version{
		Arn: sm.Arn + ":" + strconv.Itoa(sm.NextVersion), StateMachineArn: sm.Arn, Number: sm.NextVersion,
		Definition: sm.Definition, RoleArn: sm.RoleArn, Type: sm.Type, Logging: sm.Logging,
		Tracing: sm.Tracing, Encryption: sm.Encryption, Description: desc, RevisionID: sm.RevisionID,
		ShowRevision: !sm.UpdateDate.IsZero(), CreationDate: s.clock.Now(), VariableReferences: sm.VariableReferences,
	}
	sm.NextVersion++
	s.store.PutStateMachine(sm)
	s.store.PutVersion(v)
	return v, nil
}

func (s *Service) PublishStateMachineVersion(ctx context.Context, in *PublishStateMachineVersionInput) (*PublishStateMachineVersionOutput, error) {
	var ck checks
	ck.str("stateMachineArn", in.StateMachineArn, true, 1, 256)
	ck.sensitive("description", in.Description, false, 0, 256)
	if err := ck.err(); err != nil {
		return nil, err
	}
	ref, aerr := parseStateMachineArn(*in.StateMachineArn)
	if aerr != nil {
		return nil, aerr
	}
	if ref.Version > 0 || ref.Alias != "" || ref.Label != "" {
		return nil, errInvalidArn("Resource type not valid in this context: qualified stateMachine")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sm, ok := s.store.GetStateMachine(ref.Base)
	if !ok || !s.here(ctx, ref.Base) {
		return nil, errStateMachineDoesNotExist(*in.StateMachineArn)
	}
	if sm.Deleting {
		return nil, newError(CodeStateMachineDeleting, "State Machine is being deleted: '%s'", sm.Arn)
	}
	if in.RevisionID != nil && *in.RevisionID != sm.RevisionID {
		return nil, newError(CodeConflictException, "Failed to publish the State Machine version for revision %s. The current State Machine revision is %s.", *in.RevisionID, sm.RevisionID)
	}
	v, err := s.publishLocked(sm, in.Description, false)
	if err != nil {
		return nil, err
	}
	return &PublishStateMachineVersionOutput{CreationDate: ts(v.CreationDate), StateMachineVersionArn: v.Arn}, nil
}

func (s *Service) ListStateMachineVersions(ctx context.Context, in *ListStateMachineVersionsInput) (*ListStateMachineVersionsOutput, error) {
	var ck checks
	ck.str("stateMachineArn", in.StateMachineArn, true, 1, 256)
	ck.intRange("maxResults", in.MaxResults, 0, 1000)
	ck.str("nextToken", in.NextToken, false, 1, 1024)
	if err := ck.err(); err != nil {
		return nil, err
	}
	ref, aerr := parseStateMachineArn(*in.StateMachineArn)
	if aerr != nil {
		return nil, aerr
	}
	if ref.Version > 0 || ref.Alias != "" || ref.Label != "" {
		return nil, errInvalidArn("Resource type not valid in this context: qualified stateMachine")
	}
	if _, ok := s.store.GetStateMachine(ref.Base); !ok || !s.here(ctx, ref.Base) {
		return nil, errStateMachineDoesNotExist(*in.StateMachineArn)
	}
	page, next, err := paginate(s, "v:"+ref.Base, s.store.ListVersions(ref.Base), func(v store.Version) string { return v.Arn }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListStateMachineVersionsOutput{StateMachineVersions: make([]StateMachineVersionListItem, 0, len(page)), NextToken: next}
	for _, v := range page {
		out.StateMachineVersions = append(out.StateMachineVersions, StateMachineVersionListItem{StateMachineVersionArn: v.Arn, CreationDate: ts(v.CreationDate)})
	}
	return out, nil
}

func (s *Service) DeleteStateMachineVersion(ctx context.Context, in *DeleteStateMachineVersionInput) (*Empty, error) {
	var ck checks
	ck.str("stateMachineVersionArn", in.StateMachineVersionArn, true, 1, 2000)
	if err := ck.err(); err != nil {
		return nil, err
	}
	ref, aerr := parseStateMachineArn(*in.StateMachineVersionArn)
	if aerr != nil {
		return nil, aerr
	}
	if ref.Version == 0 {
		return nil, errInvalidArn("Invalid version ARN: " + *in.StateMachineVersionArn)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var using []string
	for _, a := range s.store.ListAliases(ref.Base) {
		for _, r := range a.Routing {
			if r.VersionArn == *in.StateMachineVersionArn {
				using = append(using, a.Name)
				break
			}
		}
	}
	if len(using) > 0 {
		return nil, newError(CodeConflictException, "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [%s]", strings.Join(using, ", "))
	}
	if s.here(ctx, ref.Base) {
		s.store.DeleteVersion(*in.StateMachineVersionArn)
	}
	return &Empty{}, nil
}

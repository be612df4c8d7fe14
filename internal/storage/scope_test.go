package storage

import (
	"slices"
	"testing"
)

func TestScopedViewsKeepApart(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	for _, tc := range []struct{ scope, val string }{
		{"", "home"}, {"eu-west-1", "eu"}, {"ap-south-1", "ap"}, {"eu", "eu-prefix"},
	} {
		if err := db.Scoped(tc.scope).Bucket("dynamodb.tables").Put("t", []byte(tc.val)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Scoped("us-west-2").Bucket("ecs.clusters").Put("c", []byte("x")); err != nil {
		t.Fatal(err)
	}
	// A bucket that was emptied holds no state.
	empty := db.Scoped("sa-east-1").Bucket("dynamodb.items")
	if err := empty.Put("k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := empty.Delete("k"); err != nil {
		t.Fatal(err)
	}
	if err := db.Scoped("eu-west-1").Close(); err != nil { // a view's Close leaves the store open
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = open(t, dir)
	defer db.Close()
	for _, tc := range []struct{ scope, want string }{
		{"", "home"}, {"eu-west-1", "eu"}, {"ap-south-1", "ap"}, {"eu", "eu-prefix"}, {"us-west-2", ""},
	} {
		got, err := db.Scoped(tc.scope).Bucket("dynamodb.tables").Get("t")
		if err != nil || string(got) != tc.want {
			t.Errorf("scope %q: got %q, %v; want %q", tc.scope, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"dynamodb.", []string{"ap-south-1", "eu", "eu-west-1"}},
		{"ecs.", []string{"us-west-2"}},
		{"", []string{"ap-south-1", "eu", "eu-west-1", "us-west-2"}},
		{"batch.", []string{}},
	} {
		got, err := db.Scopes(tc.prefix)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Scopes(%q) = %v, %v; want %v", tc.prefix, got, err, tc.want)
		}
	}
}

func TestScopedRefusesSeparatorInBaseName(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	if err := db.Scoped("eu-west-1").Bucket("a@b").Put("k", nil); err == nil {
		t.Fatal("a view accepted a base name holding the scope separator")
	}
}

func TestScopedNested(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	if err := db.Scoped("a").Scoped("b").Bucket("x.y").Put("k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	got, err := db.Scoped("a").Scopes("x.")
	if err != nil || !slices.Equal(got, []string{"b"}) {
		t.Fatalf("Scopes in a = %v, %v", got, err)
	}
	if v, _ := db.Scoped("a@b").Bucket("x.y").Get("k"); string(v) != "v" {
		t.Fatalf("Scoped(a@b) read %q", v)
	}
	var nilDB *DB
	if nilDB.Scoped("a") != nil {
		t.Fatal("a nil DB's view is not nil")
	}
}

package s3

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestChecksums(t *testing.T) {
	t.Parallel()
	tests := []struct {
		alg, data, want string
	}{
		// Values S3 returned for these bodies in the recorded aws-sdk:s3 putObject cases.
		{CRC32, `"text data"`, "KUmHvQ=="},
		{CRC32, "false", "K81oMA=="},
		{CRC32, `{"Dict":"Value"}`, "hnEfWw=="},
		{CRC32, "", "AAAAAA=="},
		{SHA256, "", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
		{SHA1, "abc", "qZk+NkcGgWq6PiVxeFDCbJzQ2J0="},
	}
	for _, tc := range tests {
		t.Run(tc.alg+"/"+tc.data, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, checksum(tc.alg, []byte(tc.data)))
		})
	}
	t.Run("check values", func(t *testing.T) {
		t.Parallel()
		// The catalogued check values of "123456789" for CRC-32C and CRC-64/NVME.
		require.Equal(t, uint32(0xe3069283), binary.BigEndian.Uint32(checksumRaw(CRC32C, []byte("123456789"))))
		require.Equal(t, uint64(0xae8b14860a799888), binary.BigEndian.Uint64(checksumRaw(CRC64NVME, []byte("123456789"))))
	})
	t.Run("names are case-insensitive", func(t *testing.T) {
		t.Parallel()
		require.NotNil(t, newHash(strings.ToLower(CRC64NVME)))
		require.Nil(t, newHash("MD5"))
	})
}

func TestDecodeChunked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body   string
		want         string
		wantTrailers map[string]string
		wantErr      bool
	}{
		{name: "signed (AWS's streaming example)", body: awsChunkedExample(), want: strings.Repeat("a", 66560), wantTrailers: map[string]string{}},
		{name: "unsigned with trailer", body: "3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n", want: "abc", wantTrailers: map[string]string{"x-amz-checksum-crc32": "NSRBwg=="}},
		{name: "signed with trailer signature", body: "3;chunk-signature=aa\r\nabc\r\n0;chunk-signature=bb\r\nx-amz-checksum-crc64nvme:xyz=\r\nx-amz-trailer-signature:cc\r\n\r\n", want: "abc",
			wantTrailers: map[string]string{"x-amz-checksum-crc64nvme": "xyz=", "x-amz-trailer-signature": "cc"}},
		{name: "no final CRLF", body: "3\r\nabc\r\n0\r\n", want: "abc", wantTrailers: map[string]string{}},
		{name: "empty payload", body: "0\r\n\r\n", want: "", wantTrailers: map[string]string{}},
		{name: "bad size", body: "zz\r\nabc\r\n0\r\n\r\n", wantErr: true},
		{name: "short chunk", body: "10\r\nabc", wantErr: true},
		{name: "missing chunk CRLF", body: "3\r\nabcX\r\n0\r\n\r\n", wantErr: true},
		{name: "negative size", body: "-3\r\nabc\r\n0\r\n\r\n", wantErr: true},
		{name: "over limit", body: "ffffffff\r\n", wantErr: true},
		{name: "empty body", body: "", wantErr: true},
		{name: "bad trailer", body: "0\r\nnocolon\r\n\r\n", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, trailers, err := decodeChunked(strings.NewReader(tc.body), 1<<20)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
			require.Equal(t, tc.wantTrailers, trailers)
		})
	}
}

func TestParseRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header     string
		size       int64
		start, end int64
		ok, err    bool
	}{
		{"bytes=0-4", 11, 0, 4, true, false},
		{"bytes=5-", 11, 5, 10, true, false},
		{"bytes=-3", 11, 8, 10, true, false},
		{"bytes=-30", 11, 0, 10, true, false},
		{"bytes=3-100", 11, 3, 10, true, false},
		{"bytes=11-", 11, 0, 0, false, true},
		{"bytes=-0", 11, 0, 0, false, true},
		{"bytes=0-0", 0, 0, 0, false, true},
		{"bytes=4-2", 11, 0, 0, false, false},
		{"bytes=0-1,3-4", 11, 0, 0, false, false},
		{"items=0-1", 11, 0, 0, false, false},
		{"bytes=a-b", 11, 0, 0, false, false},
		{"", 11, 0, 0, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.header, func(t *testing.T) {
			t.Parallel()
			start, end, ok, err := parseRange(tc.header, tc.size)
			require.Equal(t, tc.err, err != nil, "%v", err)
			require.Equal(t, tc.ok, ok)
			if ok {
				require.Equal(t, [2]int64{tc.start, tc.end}, [2]int64{start, end})
			}
		})
	}
}

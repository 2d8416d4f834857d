using InnerWarden.Mesh.Host.Config;

namespace InnerWarden.Mesh.Host.Tests.Config;

public sealed class AuditConfigTests
{
    [Fact]
    public void The_audit_log_keeps_1_gib_and_14_days_and_60_full_stranger_lines_a_minute_by_default()
    {
        var audit = MeshConfigLoader.Parse("enabled: true\n", "mesh.yaml").Audit;

        Assert.Equal(1024L * 1024 * 1024, audit.MaxBytes);
        Assert.Equal(TimeSpan.FromDays(14), audit.MaxAge);
        Assert.Equal(60, audit.UnknownLinesPerMinute);
        Assert.Equal(64L * 1024 * 1024, audit.SegmentBytes);
    }

    [Fact]
    public void The_audit_section_is_read()
    {
        var audit = MeshConfigLoader.Parse("audit:\n  max_size_mb: 200\n  max_age_days: 3\n  unknown_lines_per_minute: 0\n", "mesh.yaml").Audit;

        Assert.Equal(200L * 1024 * 1024, audit.MaxBytes);
        Assert.Equal(TimeSpan.FromDays(3), audit.MaxAge);
        Assert.Equal(0, audit.UnknownLinesPerMinute);
    }

    [Theory]
    [InlineData("audit:\n  max_size_mb: 0\n", "mesh.yaml:2:16: audit.max_size_mb: expected a number from 1 to 1048576, got 0")]
    [InlineData("audit:\n  max_age_days: two\n", "mesh.yaml:2:17: audit.max_age_days: expected a whole number, got 'two'")]
    [InlineData("audit:\n  unknown_lines_per_minute: -1\n", "mesh.yaml:2:29: audit.unknown_lines_per_minute: expected a number from 0 to 1000000, got -1")]
    [InlineData("audit:\n  max_sise_mb: 10\n", "mesh.yaml:2:3: audit.max_sise_mb: unknown key; did you mean max_size_mb?")]
    [InlineData("audit: 1GB\n", "mesh.yaml:1:8: audit: expected a mapping, got '1GB'")]
    public void Bad_audit_values_name_file_line_and_key(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => MeshConfigLoader.Parse(yaml, "mesh.yaml"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}

using InnerWarden.Mesh.Contracts.Diagnostics;

namespace InnerWarden.Mesh.Host.Tests.Diagnostics;

public sealed class LogTextTests
{
    [Theory]
    [InlineData("185.220.1.7", "185.220.1.7")]
    [InlineData("\u001b[2J", "\\u001b[2J")]
    [InlineData("a\rb\nc\td", "a\\rb\\nc\\td")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("nul\u0000del\u007fc1\u0085", "nul\\u0000del\\u007fc1\\u0085")]
    [InlineData("line\u2028para\u2029", "line\\u2028para\\u2029")]
    [InlineData(null, "")]
    public void Control_characters_and_backslashes_are_escaped(string? text, string expected) =>
        Assert.Equal(expected, LogText.Bounded(text));

    [Fact]
    public void A_long_value_is_cut_to_the_bound_before_escaping()
    {
        var bounded = LogText.Bounded(new string('a', 1000) + "\n", 10);

        Assert.Equal("aaaaaaaaaa...", bounded);
        Assert.Equal(LogText.DefaultMaxLength + 3, LogText.Bounded(new string('b', 5000)).Length);
    }

    [Fact]
    public void A_safe_value_is_returned_as_it_is() =>
        Assert.Same("plain", LogText.Bounded("plain"));
}

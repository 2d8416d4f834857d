using InnerWarden.Mesh.Host.Config;

namespace InnerWarden.Mesh.Host.Tests.Config;

public sealed class NearestNameTests
{
    [Theory]
    [InlineData("max_failure", "max_failures")]
    [InlineData("thresold", "threshold")]
    [InlineData("nftable", "nftables")]
    [InlineData("block_ful_at", "block_full_at")]
    [InlineData("Poll_Secs", "poll_secs")]
    [InlineData("tit-fot-tat", "tit-for-tat")]
    [InlineData("titfortat", "tit-for-tat")]
    [InlineData("baysian", "bayesian")]
    public void A_close_misspelling_finds_the_name_meant(string typo, string expected) =>
        Assert.Equal(expected, NearestName.Find(typo, ["max_failures", "threshold", "nftables", "block_full_at", "block_short_at", "poll_secs", "tit-for-tat", "bayesian"]));

    [Theory]
    [InlineData("foo")]
    [InlineData("fail2ban")]
    [InlineData("tls")]
    [InlineData("")]
    public void A_name_that_is_not_close_to_any_gets_no_suggestion(string name) =>
        Assert.Null(NearestName.Find(name, ["sshd", "local-report", "innerwarden-incidents", "tls_verify", "bind"]));

    [Fact]
    public void The_closest_wins_and_a_swap_of_neighbours_is_one_edit()
    {
        Assert.Equal("block_short_at", NearestName.Find("block_shrot_at", ["block_full_at", "block_short_at"]));
        Assert.Equal(1, NearestName.Distance("shrot", "short"));
        Assert.Equal(3, NearestName.Distance("kitten", "sitting"));
    }
}

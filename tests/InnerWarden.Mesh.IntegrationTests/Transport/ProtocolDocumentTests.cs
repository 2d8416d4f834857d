using System.Text;
using System.Text.RegularExpressions;
using InnerWarden.Mesh.Host.Identity;

namespace InnerWarden.Mesh.IntegrationTests.Transport;

/// <summary>
/// docs/protocol.md is the repository's own description of the wire (issue 14 item 7): its vectors must be what a node
/// signs, and nothing shipped may send a reader to design notes outside the repository.
/// </summary>
public sealed partial class ProtocolDocumentTests
{
    private static readonly string Document = File.ReadAllText(RepositoryRoot.Combine("docs", "protocol.md"));

    [Fact]
    public void Each_vector_of_the_document_is_what_a_node_with_its_seed_signs()
    {
        var seed = Convert.FromHexString(SeedLine().Match(Document).Groups["seed"].Value);
        using var identity = NodeIdentity.FromSeed(seed);
        var canonical = CanonicalLine().Matches(Document).Select(m => m.Groups["text"].Value).ToList();
        var signatures = SignatureLine().Matches(Document).Select(m => m.Groups["sig"].Value).ToList();

        Assert.Equal(3, canonical.Count);
        Assert.Equal(3, signatures.Count);
        Assert.Contains($"whose public key (the `node_id` of all three)\nis `{identity.NodeId}`", Document, StringComparison.Ordinal);
        for (var i = 0; i < canonical.Count; i++)
        {
            Assert.StartsWith(identity.NodeId + "|", canonical[i], StringComparison.Ordinal);
            Assert.Equal(signatures[i], identity.Sign(Encoding.UTF8.GetBytes(canonical[i])));
        }
    }

    [Fact]
    public void No_document_or_source_sends_the_reader_to_design_notes_outside_the_repository()
    {
        var root = RepositoryRoot.Path;
        var offenders = Directory.EnumerateFiles(root, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".md", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".sh", StringComparison.Ordinal))
            .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal)
                && !f.Contains("/.git/", StringComparison.Ordinal) && !f.Contains("/wip/", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f) is var text && (text.Contains("../shared/", StringComparison.Ordinal)
                || (f.EndsWith(".md", StringComparison.Ordinal) && text.Contains("PROTOCOL.md", StringComparison.Ordinal))))
            .Select(f => Path.GetRelativePath(root, f))
            .Where(f => f != Path.Combine("tests", "InnerWarden.Mesh.IntegrationTests", "Transport", "ProtocolDocumentTests.cs"))
            .ToList();

        Assert.Empty(offenders);
    }

    [GeneratedRegex(@"seed\s*`(?<seed>[0-9a-f]{64})`")]
    private static partial Regex SeedLine();

    [GeneratedRegex(@"Signed text:\s*`(?<text>[^`]+)`")]
    private static partial Regex CanonicalLine();

    [GeneratedRegex(@"(?:Signature: `|""signature"": "")(?<sig>[A-Za-z0-9+/]{86}==)")]
    private static partial Regex SignatureLine();
}

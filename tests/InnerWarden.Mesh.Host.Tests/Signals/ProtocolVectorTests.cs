using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Signals;

namespace InnerWarden.Mesh.Host.Tests.Signals;

public sealed class ProtocolVectorTests
{
    public static TheoryData<string> Vectors => ProtocolVectors.Names;

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Signing_from_the_vector_seed_gives_the_exact_canonical_text_and_signature(string name)
    {
        var v = ProtocolVectors.ByName(name);
        using var identity = NodeIdentity.FromSeed(ProtocolVectors.Seed);
        var signer = new SignalSigner(identity, TimeProvider.System);

        var signal = signer.Create(v.Ip, v.Detector, v.Confidence, v.Evidence, v.TtlSecs, v.Timestamp);

        Assert.Equal(v.EvidenceHash, signal.EvidenceHash);
        Assert.Equal(v.Canonical, signal.CanonicalText());
        Assert.Equal(v.Signature, signal.Signature);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void The_vector_json_verifies(string name)
    {
        var v = ProtocolVectors.ByName(name);
        string json = name == "1" ? ProtocolVectors.OneJson : v.Json;

        var parsed = ThreatSignalJson.Parse(json);

        Assert.Null(parsed.Error);
        Assert.Equal(v.Canonical, parsed.Signal!.CanonicalText());
        Assert.True(SignalVerifier.Verify(parsed.Signal));
    }

    [Fact]
    public void Vector_one_json_built_from_fields_equals_the_protocol_text() =>
        Assert.Equal(ProtocolVectors.OneJson, ProtocolVectors.One.Json);

    [Theory]
    [MemberData(nameof(Vectors))]
    public void A_vector_written_by_this_node_reads_back_and_still_verifies(string name)
    {
        var written = ThreatSignalJson.ToJson(ProtocolVectors.ByName(name).Signal);

        var parsed = ThreatSignalJson.Parse(written);

        Assert.True(SignalVerifier.Verify(parsed.Signal!));
    }
}

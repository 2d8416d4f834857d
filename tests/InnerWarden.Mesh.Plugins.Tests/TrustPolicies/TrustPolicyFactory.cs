using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Trust;
using InnerWarden.Mesh.Trust.Bayesian;
using InnerWarden.Mesh.Trust.TitForTat;

namespace InnerWarden.Mesh.Plugins.Tests.TrustPolicies;

/// <summary>Both shipped trust policies by their config names, built through their plugin entry classes.</summary>
internal static class TrustPolicyFactory
{
    public const string NodeId = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

    public static TheoryData<string> Names => new() { "tit-for-tat", "bayesian" };

    public static ITrustPolicy Create(string name, IReadOnlyDictionary<string, string>? settings = null) =>
        PluginServices.Resolve<ITrustPolicy>(Plugin(name), name, settings);

    public static IMeshPlugin Plugin(string name) => name switch
    {
        "tit-for-tat" => new TitForTatTrustPlugin(),
        "bayesian" => new BayesianTrustPlugin(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such trust policy"),
    };
}

using InnerWarden.Mesh.Contracts.Plugins;

namespace InnerWarden.Mesh.Trust.Bayesian;

/// <summary>The Beta prior and the weight of a contradiction.</summary>
/// <param name="Initial">Trust of an identity nobody vouched for: the prior mean a / (a + b).</param>
/// <param name="PriorStrength">a + b: how many observations the prior is worth. Larger = slower to move.</param>
/// <param name="ContradictionWeight">How many failures one contradiction counts as (3 keeps the seed's 3:1).</param>
internal sealed record BayesianOptions(double Initial, double PriorStrength, double ContradictionWeight)
{
    // a = 1, b = 9: a new peer starts at the seed's 0.1 and the prior is worth ten observations.
    public static BayesianOptions Default { get; } = new(0.1, 10, 3);

    /// <summary>The keys of <c>plugin_settings.bayesian</c>.</summary>
    public static IReadOnlyList<PluginSettingDefinition> Definitions { get; } =
    [
        PluginSettingDefinition.Number("initial", Default.Initial, 0, 1, "trust of an identity nobody vouched for: the prior mean"),
        PluginSettingDefinition.Number("prior_strength", Default.PriorStrength, 1, 1_000_000, "how many observations the prior is worth (larger moves slower)"),
        PluginSettingDefinition.Number("contradiction_weight", Default.ContradictionWeight, 1, 100, "how many failures one contradiction counts as (3 keeps the seed's 3:1)"),
    ];

    /// <summary>Reads <c>initial</c>, <c>prior_strength</c> and <c>contradiction_weight</c>; a bad value throws naming the setting and the value.</summary>
    public static BayesianOptions Parse(string pluginName, IReadOnlyDictionary<string, string> settings)
    {
        var values = PluginSettingValues.Parse(pluginName, Definitions, settings);
        return new BayesianOptions(values.GetNumber("initial"), values.GetNumber("prior_strength"), values.GetNumber("contradiction_weight"));
    }
}

using InnerWarden.Mesh.Contracts.Plugins;

namespace InnerWarden.Mesh.Trust.TitForTat;

/// <summary>The policy's numbers; the defaults are the seed's.</summary>
/// <param name="Initial">Trust of an identity nobody vouched for.</param>
/// <param name="ConfirmStep">Added per confirmed signal.</param>
/// <param name="ContradictStep">Subtracted per contradicted signal.</param>
internal sealed record TitForTatOptions(double Initial, double ConfirmStep, double ContradictStep)
{
    public static TitForTatOptions Default { get; } = new(0.1, 0.05, 0.15);

    /// <summary>The keys of <c>plugin_settings.tit-for-tat</c>.</summary>
    public static IReadOnlyList<PluginSettingDefinition> Definitions { get; } =
    [
        // The start may be 0 (trust nobody unvouched); a step of 0 would freeze trust for ever, so steps must be positive.
        PluginSettingDefinition.Number("initial", Default.Initial, 0, 1, "trust of an identity nobody vouched for (vouched peers start at initial_trust)"),
        PluginSettingDefinition.Number("confirm_step", Default.ConfirmStep, 0, 1, "trust added per confirmed signal") with { MinExclusive = true },
        PluginSettingDefinition.Number("contradict_step", Default.ContradictStep, 0, 1, "trust taken per contradicted signal") with { MinExclusive = true },
    ];

    /// <summary>Reads <c>initial</c>, <c>confirm_step</c> and <c>contradict_step</c>; a bad value throws naming the setting and the value.</summary>
    public static TitForTatOptions Parse(string pluginName, IReadOnlyDictionary<string, string> settings)
    {
        var values = PluginSettingValues.Parse(pluginName, Definitions, settings);
        return new TitForTatOptions(values.GetNumber("initial"), values.GetNumber("confirm_step"), values.GetNumber("contradict_step"));
    }
}

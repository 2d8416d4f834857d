namespace InnerWarden.Mesh.Contracts.Plugins;

/// <summary>What values a plugin setting takes (see <see cref="PluginSettingDefinition"/>).</summary>
public enum PluginSettingType
{
    /// <summary><c>true</c> or <c>false</c>.</summary>
    Flag,
    /// <summary>A whole number, optionally bounded.</summary>
    WholeNumber,
    /// <summary>A finite number (invariant culture, e.g. <c>0.6</c>), optionally bounded.</summary>
    Number,
    /// <summary>A length of time: a number with a unit (<c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>); a bare number is seconds.</summary>
    Duration,
    /// <summary>Any text.</summary>
    Text,
    /// <summary>An absolute file or directory path.</summary>
    Path,
    /// <summary>One of the declared <see cref="PluginSettingDefinition.Values"/>.</summary>
    Choice,
    /// <summary>An absolute URL, of one of the declared schemes when <see cref="PluginSettingDefinition.Values"/> names some.</summary>
    Url,
    /// <summary>A list of non-empty texts.</summary>
    TextList,
    /// <summary>A list of IP addresses or CIDRs (<c>203.0.113.0/24</c>, <c>2001:db8::/32</c>).</summary>
    AddressList,
    /// <summary>A list of absolute URLs, each of one of the declared schemes when <see cref="PluginSettingDefinition.Values"/> names some.</summary>
    UrlList,
}

using System.Globalization;

namespace InnerWarden.Mesh.Host.Text;

/// <summary>A count with its noun as an operator reads it: <c>1 address</c>, <c>2 addresses</c>, <c>0 blocks</c>.</summary>
internal static class Counted
{
    public static string Of(long count, string one, string many) =>
        $"{count.ToString(CultureInfo.InvariantCulture)} {(count == 1 ? one : many)}";
}

using InnerWarden.Mesh.Benchmarks.Enforcers;

// One entry per benchmark; each parses its own options.
return args.FirstOrDefault() switch
{
    "enforcers" => await EnforcerBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: InnerWarden.Mesh.Benchmarks enforcers [--count N]   (root; applies and reverts N blocks per backend in a throw-away network namespace)");
    return 2;
}

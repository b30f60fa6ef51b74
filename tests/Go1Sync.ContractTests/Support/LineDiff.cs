using System.Text;

namespace Go1Sync.ContractTests.Support;

/// <summary>A small line diff (longest common subsequence) for golden-file failures: changed lines with 2 lines of context.</summary>
public static class LineDiff
{
    private const int Context = 2;
    private const int MaxOutputLines = 120;
    private const int MaxLineLength = 160;

    public static string Render(string expected, string actual)
    {
        var a = Lines(expected);
        var b = Lines(actual);
        var ops = Diff(a, b);
        var changed = ops.Select((op, i) => (op, i)).Where(x => x.op.Kind != ' ').Select(x => x.i).ToList();
        var show = new bool[ops.Count];
        foreach (var i in changed)
            for (var j = Math.Max(0, i - Context); j <= Math.Min(ops.Count - 1, i + Context); j++)
                show[j] = true;

        var output = new StringBuilder();
        var lines = 0;
        var skipped = false;
        for (var i = 0; i < ops.Count; i++)
        {
            if (!show[i])
            {
                skipped = true;
                continue;
            }
            if (skipped && lines > 0) output.Append("...\n");
            skipped = false;
            if (++lines > MaxOutputLines)
            {
                output.Append($"... ({changed.Count} changed lines in all)\n");
                break;
            }
            var text = ops[i].Text.Length > MaxLineLength ? ops[i].Text[..MaxLineLength] + "…" : ops[i].Text;
            output.Append(ops[i].Kind).Append(' ').Append(text).Append('\n');
        }
        if (changed.Count == 0) output.Append("(the lines are equal: the difference is in line endings or a final newline)\n");
        return output.ToString();
    }

    private static string[] Lines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

    private readonly record struct Op(char Kind, string Text);

    private static List<Op> Diff(string[] a, string[] b)
    {
        // lcs[i, j]: length of the longest common subsequence of a[i..] and b[j..].
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
            for (var j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);

        var ops = new List<Op>();
        int x = 0, y = 0;
        while (x < a.Length && y < b.Length)
        {
            if (a[x] == b[y]) { ops.Add(new(' ', a[x])); x++; y++; }
            else if (lcs[x + 1, y] >= lcs[x, y + 1]) ops.Add(new('-', a[x++]));
            else ops.Add(new('+', b[y++]));
        }
        while (x < a.Length) ops.Add(new('-', a[x++]));
        while (y < b.Length) ops.Add(new('+', b[y++]));
        return ops;
    }
}

namespace Go1Sync.Deployment.Tests;

/// <summary>
/// Reads the block mappings of a YAML file such as azure.yaml ("key: value" and nested "key:" blocks,
/// comments, quoted scalars). Sequences and flow styles are not needed there and are refused, so a
/// file this cannot read fails the test instead of being half read.
/// </summary>
internal static class SimpleYaml
{
    public static IReadOnlyDictionary<string, object> Parse(string text)
    {
        var root = new Dictionary<string, object>(StringComparer.Ordinal);
        var stack = new Stack<(int Indent, Dictionary<string, object> Map)>();
        stack.Push((-1, root));
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = StripComment(raw.TrimEnd('\r'));
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var indent = line.Length - line.TrimStart(' ').Length;
            var content = line.Trim();
            if (content.StartsWith('-') || content.StartsWith('{') || content.StartsWith('['))
            {
                throw new FormatException($"Line {lineNumber}: sequences and flow styles are not supported: {content}");
            }

            var colon = content.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new FormatException($"Line {lineNumber}: expected 'key: value': {content}");
            }

            while (stack.Peek().Indent >= indent)
            {
                stack.Pop();
            }

            var key = Unquote(content[..colon].Trim());
            var value = content[(colon + 1)..].Trim();
            var parent = stack.Peek().Map;
            if (value.Length == 0)
            {
                var child = new Dictionary<string, object>(StringComparer.Ordinal);
                parent[key] = child;
                stack.Push((indent, child));
            }
            else
            {
                parent[key] = Unquote(value);
            }
        }

        return root;
    }

    /// <summary>The value at a path of keys, or null when any key is missing.</summary>
    public static object? At(IReadOnlyDictionary<string, object> map, params string[] path)
    {
        object? current = map;
        foreach (var key in path)
        {
            current = current is IReadOnlyDictionary<string, object> m && m.TryGetValue(key, out var next) ? next : null;
        }

        return current;
    }

    private static string StripComment(string line)
    {
        var inSingle = false;
        var inDouble = false;
        for (var i = 0; i < line.Length; i++)
        {
            switch (line[i])
            {
                case '\'' when !inDouble:
                    inSingle = !inSingle;
                    break;
                case '"' when !inSingle:
                    inDouble = !inDouble;
                    break;
                case '#' when !inSingle && !inDouble && (i == 0 || char.IsWhiteSpace(line[i - 1])):
                    return line[..i];
            }
        }

        return line;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && ((value[0] == '"' && value[^1] == '"') || (value[0] == '\'' && value[^1] == '\''))
            ? value[1..^1]
            : value;
}

import Prometheus

extension MetricNameDescriptor {
    /// The descriptor of a Sluice metric: its whole name (`sluice_…`, the unit at its end
    /// by Prometheus's conventions) and the text of its `# HELP` line.
    public static func sluice(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}

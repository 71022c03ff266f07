export { type LayerProfileOptions, layerProfile, layerProfileSpec, type ProfilePoint } from './layer-profile.ts';
export { type RdmHeatmapOptions, rdmHeatmap, rdmHeatmapSpec } from './rdm-heatmap.ts';
export { FONT_FAMILY, renderSvg, svgToPng } from './render.ts';
export { type TimeCourseOptions, type TimePoint, timeCourse, timeCourseSpec } from './time-course.ts';

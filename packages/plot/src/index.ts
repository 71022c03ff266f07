export { renderSvg, svgToPng, FONT_FAMILY } from './render.ts';
export { rdmHeatmap, rdmHeatmapSpec, type RdmHeatmapOptions } from './rdm-heatmap.ts';
export { layerProfile, layerProfileSpec, type ProfilePoint, type LayerProfileOptions } from './layer-profile.ts';
export { timeCourse, timeCourseSpec, type TimePoint, type TimeCourseOptions } from './time-course.ts';
